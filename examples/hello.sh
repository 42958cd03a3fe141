# A Cronium event in bash: every helper, nothing to source (cronium run and the runner images preload it).
who=$(cronium_input | jq -r '.name? // "world"' 2>/dev/null || echo world)
echo "Hello, ${who}!"

echo "event $(cronium_event event.name) ($(cronium_event event.type)), attempt $(cronium_event attempt), user $(cronium_event userId)"

runs=$(cronium_get_variable hello.runs 0)       # variables belong to the user and outlive the run
version=$(cronium_set_variable_json hello.runs "$((runs + 1))")
echo "this is run number $((runs + 1)) (variable version ${version})"

cronium_set_variable_json hello.scratch '{"from":"bash"}' >/dev/null
echo "variables: $(cronium_list_variables hello. | tr '\n' ' ')"
cronium_delete_variable hello.scratch

# Tool actions use a credential stored in the runtime; the script never sees the secret.
cronium_send_slack "Hello, ${who}!" >/dev/null || echo "sendSlack skipped (no usable 'slack' credential)" >&2

cronium_output_json "$(jq -cn --arg g "Hello, ${who}!" --argjson r "$((runs + 1))" '{greeting: $g, runs: $r}')"
cronium_set_condition true
