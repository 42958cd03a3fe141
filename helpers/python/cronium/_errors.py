"""The helper's errors: one base type, and the two subtypes Cronium's own SDK raised.

Every failure is a ``CroniumError`` (catch that one). An answer from the runtime is a
``CroniumAPIError`` (``status_code`` and ``message`` as in Cronium's SDK); a runtime that could not
be reached before the retry deadline is a ``CroniumTimeoutError``. Scripts written for Cronium's
SDK that catch those names keep working.
"""

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
        status: int = 0,
        detail: str = "",
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
        text = ": " + self.detail if self.detail else ""
        return "%s%s%s%s" % (where, status, self.code, text)

    def __repr__(self) -> str:
        return "%s(code=%r, status=%r, detail=%r)" % (type(self).__name__, self.code, self.status, self.detail)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keeps the error picklable (multiprocessing, concurrent.futures) with every field.
        return (type(self), (self.code, self.status, self.detail, self.problem, self.operation))


class CroniumAPIError(CroniumError):
    """The runtime answered with an error (or a tool's provider failed): ``status_code`` and ``message``.

    Constructed as in Cronium's SDK, ``CroniumAPIError(status_code, message)``; the helper also
    passes the problem's ``code``, the document and the operation.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        code: str = "http_error",
        problem: Optional[Dict[str, Any]] = None,
        operation: Optional[str] = None,
    ) -> None:
        super().__init__(code, status_code, message, problem, operation)
        self.status_code = status_code
        self.message = message

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.status_code, self.message, self.code, self.problem, self.operation))


class CroniumTimeoutError(CroniumError):
    """The runtime did not answer before ``CRONIUM_RETRY_DEADLINE`` ran out (code ``unavailable``)."""

    def __init__(self, message: str, operation: Optional[str] = None) -> None:
        super().__init__("unavailable", 0, message, None, operation)
        self.message = message

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.operation))
