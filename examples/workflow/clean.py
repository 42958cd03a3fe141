# clean: drop the readings that are missing.
data = cronium.input()
rows = [r for r in data["rows"] if r["value"] is not None]
print(f"kept {len(rows)} of {len(data['rows'])} readings")
cronium.output({"day": data["day"], "rows": rows})
