# shellcheck shell=bash
# cronium-compat.sh: the names Cronium's own bash helpers had, over cronium.sh's functions (which
# source this file; source cronium.sh, not this). Its user docs named them in camelCase
# (cronium_getVariable ...); its container SDK added cronium_event_field, cronium_variable_exists,
# cronium_increment_variable, cronium_append_variable, cronium_info, cronium_execute_tool_action and
# the cronium_send_*_message functions. They behave as Cronium documented them; README.md,
# "Cronium's names", lists what differs. No API call is made here but through _cronium_call.

[ -n "${BASH_VERSION-}" ] || return 0 2>/dev/null || exit 0

# The user docs' camelCase spellings.
cronium_getVariable() { cronium_get_variable "$@"; }
cronium_setVariable() { cronium_set_variable "$@"; }
cronium_setCondition() { cronium_set_condition "$@"; }
cronium_getCondition() { cronium_get_condition "$@"; }

# cronium_event_field FIELD: one field of the context (dotted path: name, metadata.team); a field
# that is missing or null prints nothing, status 0.
cronium_event_field() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  (($# == 1)) || { _cronium_usage cronium_event_field FIELD; return 2; }
  _cronium_event cronium_event_field lenient "$1"
}

# cronium_variable_exists KEY: status 0 when the variable exists (whatever its value), 1 when not.
cronium_variable_exists() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_variable_exists rc _cronium_status _cronium_body
  (($# == 1)) || { _cronium_usage $fn KEY; return 2; }
  _cronium_call $fn getVariable "$1" '' '' variable_not_found
  rc=$?
  ((rc == 3)) && return 1
  return $rc
}

# cronium_increment_variable KEY [N]: add N (default 1) to a whole-number variable (a missing one
# counts as 0) and print the result. Compare-and-set, retried on a concurrent write: two runs that
# increment at once both count.
cronium_increment_variable() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_increment_variable n=${2-1}
  (($# == 1 || $# == 2)) && [[ $n =~ ^-?[0-9]{1,15}$ ]] || { _cronium_usage $fn 'KEY [N] (N a whole number)'; return 2; }
  _cronium_update $fn "$1" print --argjson n "$n" '
    (if . == null then 0 elif type == "string" and test("^-?[0-9]{1,15}$") then tonumber else . end) as $v
    | if ($v | type) == "number" and ($v | floor) == $v then $v + $n
      else "\($fn): not_a_number (0): variable \"\($key)\" holds \(tojson), not a whole number\n" | halt_error(12) end'
}

# cronium_append_variable KEY VALUE [SEPARATOR]: append VALUE to the variable's text (SEPARATOR in
# between when it is not empty; a missing variable becomes VALUE). Compare-and-set, as above.
cronium_append_variable() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  (($# == 2 || $# == 3)) || { _cronium_usage cronium_append_variable 'KEY VALUE [SEPARATOR]'; return 2; }
  _cronium_update cronium_append_variable "$1" quiet --arg add "$2" --arg sep "${3-}" '
    (if . == null then "" elif type == "string" then . else tojson end)
    | if . == "" then $add else . + $sep + $add end'
}

# _cronium_update FN KEY print|quiet JQ_ARGS... FILTER: read the variable, compute its new value with
# the jq FILTER (input: the value, null when missing; $fn and $key defined), write it only over the
# version read, and start again when another write came between (up to 20 times).
_cronium_update() {
  local fn=$1 key=$2 print=$3 rc attempt value version next _cronium_status _cronium_body
  shift 3
  for ((attempt = 0; attempt < 20; attempt++)); do
    _cronium_call "$fn" getVariable "$key" '' '' variable_not_found
    rc=$?
    if ((rc == 3)); then
      value=null version=0
    elif ((rc == 0)); then
      value=$(exec jq -c '.value, .version' <<<"$_cronium_body") ||
        { printf '%s: invalid_response (%s): jq could not read the variable\n' "$fn" "$_cronium_status" >&2; return 1; }
      version=${value##*$'\n'} value=${value%$'\n'*}
    else
      return $rc
    fi
    next=$(exec jq -c --arg fn "$fn" --arg key "$key" "$@" <<<"$value" 2>&1)
    rc=$?
    ((rc == 12)) && { printf '%s' "$next" >&2; return 1; }
    ((rc == 0)) || { printf '%s: invalid_response (0): %s\n' "$fn" "$next" >&2; return 1; }
    _cronium_call "$fn" setVariable "$key" '' "{\"value\":$next,\"ifVersion\":$version}" version_conflict
    rc=$?
    ((rc == 4)) && continue
    ((rc == 0)) || return $rc
    [[ $print == print ]] && printf '%s\n' "$next"
    return 0
  done
  printf '%s: version_conflict (409): variable "%s" kept changing under 20 attempts to update it\n' "$fn" "$key" >&2
  return 4
}

# cronium_info: what the helper talks to. The token is never printed, not even in part.
cronium_info() {
  printf 'Cronium Bash SDK: the Cronium Runtime bash helper (cronium.sh)\n'
  printf 'API URL: %s\n' "${CRONIUM_RUNTIME_API:-(not set)}"
  printf 'Execution ID: %s\n' "${CRONIUM_EXECUTION_ID:-(not set)}"
  if [[ -n ${CRONIUM_EXECUTION_TOKEN-} ]]; then printf 'Token: set (never shown)\n'; else printf 'Token: (not set)\n'; fi
}

# cronium_execute_tool_action TOOL ACTION [CONFIG_JSON] [CREDENTIAL]: run a tool action (ACTION
# send_message is send) and print the provider's answer as compact JSON; a failed one is status 7.
cronium_execute_tool_action() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_execute_tool_action
  (($# >= 2 && $# <= 4)) || { _cronium_usage $fn 'TOOL ACTION [CONFIG_JSON] [CREDENTIAL]'; return 2; }
  _cronium_valid_json $fn "${3:-"{}"}" object || return
  _cronium_tool $fn data "$1" "$2" "${3:-"{}"}" "${4-}"
}

# cronium_send_slack_message CHANNEL TEXT [--username NAME] [--icon-emoji EMOJI] [--icon-url URL]
# [--credential NAME]: a Slack message with Cronium's options; prints nothing.
cronium_send_slack_message() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_send_slack_message usage='CHANNEL TEXT [--username NAME] [--icon-emoji EMOJI] [--icon-url URL] [--credential NAME]'
  local params cred='' field _cronium_json
  (($# >= 2)) || { _cronium_usage $fn "$usage"; return 2; }
  _cronium_json_string $fn "$1" || return; params="{\"channel\":$_cronium_json"
  _cronium_json_string $fn "$2" || return; params+=",\"text\":$_cronium_json"
  shift 2
  while (($# >= 2)); do
    case $1 in
      --username) field=username ;;
      --icon-emoji) field=icon_emoji ;;
      --icon-url) field=icon_url ;;
      --credential) cred=$2; shift 2; continue ;;
      *) break ;;
    esac
    _cronium_json_string $fn "$2" || return
    params+=",\"$field\":$_cronium_json"
    shift 2
  done
  (($# == 0)) || { _cronium_usage $fn "$usage"; return 2; }
  _cronium_tool $fn quiet slack send "$params}" "$cred"
}

# cronium_send_discord_message CHANNEL_ID CONTENT [--embed JSON] [--credential NAME]: a Discord
# message with Cronium's options (a webhook posts to its own channel); prints nothing.
cronium_send_discord_message() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_send_discord_message usage='CHANNEL_ID CONTENT [--embed JSON] [--credential NAME]'
  local params cred='' _cronium_json
  (($# >= 2)) || { _cronium_usage $fn "$usage"; return 2; }
  _cronium_json_string $fn "$1" || return; params="{\"channelId\":$_cronium_json"
  _cronium_json_string $fn "$2" || return; params+=",\"content\":$_cronium_json"
  shift 2
  while (($# >= 2)); do
    case $1 in
      --embed) _cronium_valid_json $fn "$2" object || return; params+=",\"embeds\":[$2]" ;;
      --credential) cred=$2 ;;
      *) break ;;
    esac
    shift 2
  done
  (($# == 0)) || { _cronium_usage $fn "$usage"; return 2; }
  _cronium_tool $fn quiet discord send "$params}" "$cred"
}
