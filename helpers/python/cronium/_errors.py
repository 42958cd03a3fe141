"""The one error type of the helper."""

from typing import Any, Dict, Optional


class CroniumError(Exception):
    """A call to the runtime failed.

    ``code`` is the problem's stable machine code (``variable_not_found``, ``version_conflict``,
    ``token_expired`` ...; ``configuration_missing``, ``configuration_invalid`` and ``unavailable``
    when no HTTP answer was involved), ``status`` the HTTP status (0 when there was none),
    ``detail`` the human explanation, ``problem`` the whole problem document (``limit``,
    ``received``, ``currentVersion``, ``errors``, ``traceId`` ...) and ``operation`` the
    operationId that failed, when there was one.
    """

    def __init__(
        self,
        code: str,
        status: int,
        detail: str,
        problem: Optional[Dict[str, Any]] = None,
        operation: Optional[str] = None,
    ) -> None:
        self.code = code
        self.status = status
        self.detail = detail
        self.problem: Dict[str, Any] = (
            dict(problem) if problem is not None else {"code": code, "status": status, "detail": detail}
        )
        self.operation = operation
        super().__init__(code, status, detail)

    def __str__(self) -> str:
        where = self.operation + ": " if self.operation else ""
        status = "%d " % self.status if self.status else ""
        return "%s%s%s: %s" % (where, status, self.code, self.detail)

    def __repr__(self) -> str:
        return "CroniumError(code=%r, status=%r, detail=%r)" % (self.code, self.status, self.detail)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keeps the error picklable (multiprocessing, concurrent.futures) with every field.
        return (type(self), (self.code, self.status, self.detail, self.problem, self.operation))
