# fetch: the day's readings (made up here, so the example runs anywhere). Set FAIL_FETCH=1 to see the alert path.
import os

day = cronium.input()["day"]
attempt = cronium.event()["attempt"]
print(f"fetching readings for {day} (attempt {attempt})")
if os.environ.get("FAIL_FETCH"):
    raise SystemExit("the source is down")
rows = [{"sensor": f"s{i}", "value": None if i % 4 == 3 else round(10 + i * 1.5, 1)} for i in range(8)]
cronium.output({"day": day, "rows": rows})
