# merge: both branches' outputs arrive as one object keyed by node id ({"clean": ..., "stats": ...}).
input=$(cronium_input --json)
report=$(jq -c '{day: .clean.day, sensors: [.clean.rows[].sensor], mean: .stats.mean}' <<<"$input")
echo "report: $report"
cronium_output_json "$report"
# The condition says whether the mean is above the alert threshold.
cronium_set_condition "$(jq -r 'if .stats.mean > 15 then "true" else "false" end' <<<"$input")"
