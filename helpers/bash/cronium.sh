# shellcheck shell=bash
# cronium.sh: the bash helper for the Cronium runtime API (contract: openapi.yaml; shared
# behaviour: helpers/SPEC.md; usage: README.md beside this file).
#
#   source /path/to/cronium.sh            # or run the script with BASH_ENV=/path/to/cronium.sh
#   cronium_set_variable greeting "hello"
#   cronium_get_variable greeting         # prints: hello
#
# Sourcing only defines functions: cronium_* for scripts, _cronium_* inside. They print results on
# stdout, report a failure as one line on stderr ("FUNCTION: code (status): detail"), return a
# status (README.md, "Exit statuses"), never exit the caller's shell and leave its options as they
# were. The one global variable is _CRONIUM_READY, set once curl and jq have been found.
# The names Cronium's own helpers had (cronium_getVariable, cronium_event_field, ...) come from
# cronium-compat.sh beside this file, sourced at the end; the functions here behave as Cronium's did
# by default (README.md, "Cronium's names"), and as strictly as before with their explicit names or
# --strict.
# Needs bash 5+, curl and jq; the token only ever reaches curl through a here-string (never argv,
# never a variable, so neither `ps` nor `set -x` shows it).

# Some other shell read this file (sh through $ENV, say): define nothing.
[ -n "${BASH_VERSION-}" ] || return 0 2>/dev/null || exit 0
if ((BASH_VERSINFO[0] < 5)); then
  printf 'cronium.sh: bash 5.0 or later is required (this is %s); the cronium_* functions are not defined\n' "$BASH_VERSION" >&2
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi

# The operations table, the only place API paths appear: operationId -> "METHOD path template",
# one arm per line, exactly as in openapi.yaml (the conformance tests read these lines).
# Every request goes through _cronium_call with one of these operationIds.
_cronium_operation() {
  case $1 in
    getInput)       _cronium_op='GET /v1/executions/{executionId}/input' ;;
    setOutput)      _cronium_op='PUT /v1/executions/{executionId}/output' ;;
    getVariable)    _cronium_op='GET /v1/executions/{executionId}/variables/{key}' ;;
    setVariable)    _cronium_op='PUT /v1/executions/{executionId}/variables/{key}' ;;
    deleteVariable) _cronium_op='DELETE /v1/executions/{executionId}/variables/{key}' ;;
    listVariables)  _cronium_op='GET /v1/executions/{executionId}/variables' ;;
    getCondition)   _cronium_op='GET /v1/executions/{executionId}/condition' ;;
    setCondition)   _cronium_op='PUT /v1/executions/{executionId}/condition' ;;
    getEvent)       _cronium_op='GET /v1/executions/{executionId}/event' ;;
    runToolAction)  _cronium_op='POST /v1/executions/{executionId}/tool-actions' ;;
    *) return 1 ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Scripts' functions. Each starts with `local - IFS=...; set +eux +o pipefail`: our internals then
# run with known options and word splitting (a caller's `set -e` or `set -u` must not end its
# shell inside us, `set -x` must not trace our internals), and bash restores the caller's on return.

# cronium_input [--json|--strict]: this execution's input (a string raw, anything else compact
# JSON; with --json always JSON). No input prints nothing, as in Cronium (--strict, --json: null).
cronium_input() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_input json='' _cronium_status _cronium_body
  [[ ${1-} == --json || ${1-} == --strict ]] && { json=${1#--}; shift; }
  (($# == 0)) || { _cronium_usage $fn '[--json|--strict]'; return 2; }
  _cronium_call $fn getInput '' '' '' || return
  local v=''
  # A large body is sliced as bytes: bash then skips decoding UTF-8, twice as fast; the
  # delimiters are ASCII, which UTF-8 never holds inside a character, so the result is the same.
  ((${#_cronium_body} > 65536)) && local LC_ALL=C
  # The body is {"data":V} (openapi.yaml's DataEnvelope, no other member).
  if [[ ${_cronium_body:0:8} == '{"data":' && ${_cronium_body: -1} == '}' ]]; then
    v=${_cronium_body:8:${#_cronium_body}-9}
  fi
  _cronium_print $fn data "$v" "$json"
}

# cronium_output VALUE: set this execution's output to VALUE: the JSON value when VALUE is JSON
# text, else the string (as Cronium's cronium_output did).
cronium_output() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_output _cronium_status _cronium_body _cronium_json
  (($# == 1)) || { _cronium_usage $fn VALUE; return 2; }
  _cronium_value $fn "$1" || return
  _cronium_call $fn setOutput '' '' "{\"data\":$_cronium_json}"
}

# cronium_output_text TEXT: set the output to the string TEXT, whatever it looks like.
cronium_output_text() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_output_text _cronium_status _cronium_body _cronium_json
  (($# == 1)) || { _cronium_usage $fn TEXT; return 2; }
  _cronium_json_string $fn "$1" || return
  _cronium_call $fn setOutput '' '' "{\"data\":$_cronium_json}"
}

# cronium_output_json JSON: set this execution's output to the JSON value JSON.
cronium_output_json() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_output_json _cronium_status _cronium_body
  (($# == 1)) || { _cronium_usage $fn JSON; return 2; }
  _cronium_valid_json $fn "$1" || return
  _cronium_call $fn setOutput '' '' "{\"data\":$1}"
}

# cronium_get_variable [--json] [--strict] KEY [DEFAULT]: print the value (a string raw, anything
# else compact JSON; with --json always JSON). A missing variable prints DEFAULT when one is given;
# without one it prints nothing with status 0, as in Cronium, and so does a null value. --strict:
# a missing variable is variable_not_found, status 3, and null prints null.
cronium_get_variable() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_get_variable json='' strict='' rc _cronium_status _cronium_body
  while [[ ${1-} == --json || ${1-} == --strict ]]; do
    if [[ $1 == --json ]]; then json=json; else strict=1; fi
    shift
  done
  [[ ${1-} == -- ]] && shift
  (($# == 1 || $# == 2)) || { _cronium_usage $fn '[--json] [--strict] KEY [DEFAULT]'; return 2; }
  [[ -z $json && -n $strict ]] && json=strict
  # Quiet about a missing variable unless --strict without DEFAULT asked to hear of it.
  local quiet=variable_not_found
  (($# == 1)) && [[ -n $strict ]] && quiet=
  _cronium_call $fn getVariable "$1" '' '' "$quiet"
  rc=$?
  if ((rc == 3 && $# == 2)); then printf '%s\n' "$2"; return 0; fi
  ((rc == 3)) && [[ -z $strict ]] && return 0
  ((rc == 0)) || return $rc
  # Fast path, no jq: the body is {"key":K,"value":V,"version":N,"updatedAt":T} (openapi.yaml's
  # Variable, no other members). Its last ',"version":' starts the tail (nothing after it can hold
  # one), so once head and tail are checked V is exactly what lies between them. Another member
  # order leaves v empty and jq reads the body instead. Substrings, not patterns, on the body:
  # bash's pattern matching walks all of a value that may be 1 MiB. A large body is sliced as
  # bytes (see cronium_input).
  ((${#_cronium_body} > 65536)) && local LC_ALL=C
  local v='' pre="{\"key\":\"$1\",\"value\":" tail=$_cronium_body
  ((${#tail} > 128)) && tail=${tail: -128}
  tail=${tail##*,\"version\":}
  if [[ ${_cronium_body:0:${#pre}} == "$pre" && $tail == [0-9]*,\"updatedAt\":\"*\"\} ]]; then
    v=${_cronium_body:${#pre}:${#_cronium_body}-${#pre}-${#tail}-11} # 11: ,"version":
  fi
  _cronium_print $fn value "$v" "$json"
}

# cronium_set_variable [--if-version N] KEY VALUE [--if-version N]: store VALUE, the JSON value
# when it is JSON text, else the string; prints nothing (as Cronium's did). --if-version N writes
# only if the current version is N (0: only if absent), else version_conflict, status 4.
cronium_set_variable() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  _cronium_set cronium_set_variable value quiet "$@"
}

# cronium_set_variable_text [--if-version N] KEY TEXT [--if-version N]: store the string TEXT,
# whatever it looks like; prints the new version.
cronium_set_variable_text() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  _cronium_set cronium_set_variable_text text print "$@"
}

# cronium_set_variable_json [--if-version N] KEY JSON [--if-version N]: store the JSON value JSON
# (anything else is invalid_json, status 2); prints the new version.
cronium_set_variable_json() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  _cronium_set cronium_set_variable_json json print "$@"
}

# cronium_delete_variable [--strict] KEY: delete it; a missing one is fine (Cronium's never failed),
# with --strict it is variable_not_found, status 3.
cronium_delete_variable() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_delete_variable strict='' rc _cronium_status _cronium_body
  [[ ${1-} == --strict ]] && { strict=1; shift; }
  [[ ${1-} == -- ]] && shift
  (($# == 1)) || { _cronium_usage $fn '[--strict] KEY'; return 2; }
  _cronium_call $fn deleteVariable "$1" '' '' "${strict:-variable_not_found}"
  rc=$?
  ((rc == 3)) && [[ -z $strict ]] && return 0
  return $rc
}

# cronium_list_variables [--json] [PREFIX]: the user's variable keys, one per line, every page;
# with --json one compact array of {key, version, updatedAt}.
cronium_list_variables() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_list_variables json='' prefix after='' query page next out='' _cronium_status _cronium_body _cronium_enc
  [[ ${1-} == --json ]] && { json=1; shift; }
  [[ ${1-} == -- ]] && shift
  (($# <= 1)) || { _cronium_usage $fn '[--json] [PREFIX]'; return 2; }
  prefix=${1-}
  while :; do
    query=
    [[ -n $prefix ]] && { _cronium_urlencode "$prefix"; query="?prefix=$_cronium_enc"; }
    if [[ -n $after ]]; then
      _cronium_urlencode "$after"
      if [[ -n $query ]]; then query+="&after=$_cronium_enc"; else query="?after=$_cronium_enc"; fi
    fi
    _cronium_call $fn listVariables '' "$query" '' || return
    # Line 1: nextAfter ("" on the last page); then one line per item.
    page=$(exec jq -r --arg json "$json" '(.nextAfter // ""), (.items[] | if $json == "1" then tojson else .key end)' \
      <<<"$_cronium_body") || { printf '%s: invalid_response (%s): the runtime answered a list jq cannot read\n' $fn "$_cronium_status" >&2; return 1; }
    next=${page%%$'\n'*}
    [[ $page == *$'\n'* ]] && out+=${out:+$'\n'}${page#*$'\n'}
    [[ -n $next && $next != "$after" ]] || break
    after=$next
  done
  if [[ -n $json ]]; then
    printf '[%s]\n' "${out//$'\n'/,}"
  elif [[ -n $out ]]; then
    printf '%s\n' "$out"
  fi
}

# cronium_set_condition [--strict] VALUE: the condition that ON_CONDITION actions follow: true or
# false, or as in Cronium 1/0, yes/no, on/off (any case); --strict takes only true and false.
cronium_set_condition() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_set_condition condition='' strict=''
  local _cronium_status _cronium_body
  [[ ${1-} == --strict ]] && { strict=1; shift; }
  if (($# == 1)); then
    case ${1,,} in
      true) [[ -n $strict && $1 != true ]] || condition=true ;;
      false) [[ -n $strict && $1 != false ]] || condition=false ;;
      1 | yes | on) [[ -n $strict ]] || condition=true ;;
      0 | no | off) [[ -n $strict ]] || condition=false ;;
    esac
  fi
  if [[ -z $condition ]]; then
    if [[ -n $strict ]]; then _cronium_usage $fn '--strict true|false'; else _cronium_usage $fn 'true|false (or 1|0, yes|no, on|off)'; fi
    return 2
  fi
  _cronium_call $fn setCondition '' '' "{\"condition\":$condition}"
}

# cronium_get_condition [DEFAULT]: the condition set so far, true or false; DEFAULT (false, as
# ON_CONDITION reads it) when the execution has set none.
cronium_get_condition() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_get_condition _cronium_status _cronium_body
  (($# <= 1)) || { _cronium_usage $fn '[DEFAULT]'; return 2; }
  _cronium_call $fn getCondition '' '' '' || return
  case $_cronium_body in
    *'"condition":true'*) printf 'true\n' ;;
    *'"condition":false'*) printf 'false\n' ;;
    *) printf '%s\n' "${1-false}" ;;
  esac
}

# cronium_event [FIELD]: the execution context as compact JSON, or one field by dotted path
# (event.name, workflow.runId, metadata.team): a string raw, anything else compact JSON.
# A field that is not there is field_not_found, status 3.
cronium_event() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  (($# <= 1)) || { _cronium_usage cronium_event '[FIELD]'; return 2; }
  _cronium_event cronium_event strict "${1-}"
}

# _cronium_event FN strict|lenient FIELD: the context, or one field by dotted path; lenient: a missing
# or null field prints nothing, status 0 (Cronium's cronium_event_field).
_cronium_event() {
  local fn=$1 rc _cronium_status _cronium_body
  _cronium_call "$fn" getEvent '' '' '' || return
  jq -rc --arg fn "$fn" --arg mode "$2" --arg f "$3" '
    ($f | ltrimstr(".") | if . == "" then [] else split(".") end) as $p
    | if ($p | length) == 0 then .
      elif (try (getpath($p[:-1]) | type == "object" and has($p[-1])) catch false) then getpath($p)
        | if . == null and $mode == "lenient" then empty else . end
      elif $mode == "lenient" then empty
      else "\($fn): field_not_found (0): the execution context has no field \"\($f)\"\n" | halt_error(13)
      end' <<<"$_cronium_body"
  rc=$?
  ((rc == 0)) && return 0
  ((rc == 13)) && return 3
  printf '%s: invalid_response (%s): jq could not read the context\n' "$fn" "$_cronium_status" >&2
  return 1
}

# cronium_tool_action TOOL ACTION [PARAMS_JSON] [CREDENTIAL]: run a tool action in the runtime;
# prints {success, data, error} compactly. success false: status 7, with its error on stderr.
cronium_tool_action() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  (($# >= 2 && $# <= 4)) || { _cronium_usage cronium_tool_action 'TOOL ACTION [PARAMS_JSON] [CREDENTIAL]'; return 2; }
  _cronium_valid_json cronium_tool_action "${3:-"{}"}" object || return
  _cronium_tool cronium_tool_action print "$1" "$2" "${3:-"{}"}" "${4-}"
}

# cronium_send_email TO SUBJECT BODY [CREDENTIAL] [--cc LIST] [--bcc LIST] [--html]: email through
# the runtime; TO and the lists take comma-separated addresses, --html sends BODY as HTML (Cronium's
# options). Prints nothing.
cronium_send_email() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_send_email usage='TO SUBJECT BODY [CREDENTIAL] [--cc LIST] [--bcc LIST] [--html]'
  local _cronium_json to subject body cred='' extra=''
  (($# >= 3)) || { _cronium_usage $fn "$usage"; return 2; }
  _cronium_addresses $fn "$1" || return; to=$_cronium_json
  _cronium_json_string $fn "$2" || return; subject=$_cronium_json
  _cronium_json_string $fn "$3" || return; body=$_cronium_json
  shift 3
  if (($#)) && [[ $1 != --* ]]; then cred=$1; shift; fi
  while (($#)); do
    case $1 in
      --cc | --bcc)
        (($# >= 2)) || { _cronium_usage $fn "$usage"; return 2; }
        _cronium_addresses $fn "$2" || return
        extra+=",\"${1#--}\":$_cronium_json"
        shift 2 ;;
      --html) extra+=',"html":true'; shift ;;
      *) _cronium_usage $fn "$usage"; return 2 ;;
    esac
  done
  _cronium_tool $fn quiet email send "{\"to\":$to,\"subject\":$subject,\"body\":$body$extra}" "$cred"
}

# _cronium_addresses FN LIST -> _cronium_json: one address as a JSON string, several (comma-separated)
# as a JSON array of them, trimmed.
_cronium_addresses() {
  local parts part out=''
  if [[ $2 != *,* ]]; then _cronium_json_string "$1" "$2"; return; fi
  IFS=, read -r -a parts <<<"$2"
  for part in "${parts[@]}"; do
    part=${part#"${part%%[![:space:]]*}"}
    part=${part%"${part##*[![:space:]]}"}
    [[ -n $part ]] || continue
    _cronium_json_string "$1" "$part" || return
    out+=${out:+,}$_cronium_json
  done
  _cronium_json="[$out]"
}

# cronium_send_slack TEXT [CREDENTIAL]: a Slack message through the runtime; prints nothing.
cronium_send_slack() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_send_slack _cronium_json
  (($# == 1 || $# == 2)) || { _cronium_usage $fn 'TEXT [CREDENTIAL]'; return 2; }
  _cronium_json_string $fn "$1" || return
  _cronium_tool $fn quiet slack send "{\"text\":$_cronium_json}" "${2-}"
}

# cronium_send_discord CONTENT [CREDENTIAL]: a Discord message through the runtime; prints nothing.
cronium_send_discord() {
  local - IFS=$' \t\n'; set +eux +o pipefail
  local fn=cronium_send_discord _cronium_json
  (($# == 1 || $# == 2)) || { _cronium_usage $fn 'CONTENT [CREDENTIAL]'; return 2; }
  _cronium_json_string $fn "$1" || return
  _cronium_tool $fn quiet discord send "{\"content\":$_cronium_json}" "${2-}"
}

# ---------------------------------------------------------------------------------------------
# Internals. They run under the options the public functions set, and pass results back in
# variables the caller declared local (_cronium_body, _cronium_json, ...), which saves forks.

# _cronium_set FN value|text|json print|quiet [--if-version N] KEY VALUE [--if-version N]
_cronium_set() {
  local fn=$1 mode=$2 print=$3 ifv='' key value v _cronium_status _cronium_body _cronium_json
  shift 3
  while (($#)); do
    case $1 in
      --if-version) (($# >= 2)) || break; ifv=$2; shift 2 ;;
      --if-version=*) ifv=${1#*=}; shift ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  if (($# < 2)); then _cronium_usage "$fn" "[--if-version N] KEY ${mode^^} [--if-version N]"; return 2; fi
  key=$1 value=$2
  shift 2
  # After KEY and VALUE only --if-version may follow; VALUE itself is taken as it is.
  while (($#)); do
    case $1 in
      --if-version) (($# >= 2)) || { _cronium_usage "$fn" "[--if-version N] KEY ${mode^^} [--if-version N]"; return 2; }; ifv=$2; shift 2 ;;
      --if-version=*) ifv=${1#*=}; shift ;;
      *) _cronium_usage "$fn" "[--if-version N] KEY ${mode^^} [--if-version N]"; return 2 ;;
    esac
  done
  if [[ -n $ifv && ! $ifv =~ ^[0-9]{1,18}$ ]]; then
    printf '%s: usage: --if-version needs a whole number >= 0 (0: only if absent), got "%s"\n' "$fn" "$ifv" >&2
    return 2
  fi
  if [[ $mode == json ]]; then
    _cronium_valid_json "$fn" "$value" || return
    v=$value
  elif [[ $mode == text ]]; then
    _cronium_json_string "$fn" "$value" || return
    v=$_cronium_json
  else
    _cronium_value "$fn" "$value" || return
    v=$_cronium_json
  fi
  _cronium_call "$fn" setVariable "$key" '' "{\"value\":$v${ifv:+,\"ifVersion\":$((10#$ifv))}}" || return
  [[ $print == print ]] || return 0
  if [[ $_cronium_body =~ \"version\":([0-9]+)[,}] ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  else
    jq -r .version <<<"$_cronium_body"
  fi
}

# _cronium_tool FN print|data|quiet TOOL ACTION PARAMS_JSON CREDENTIAL: print the whole result, its
# data (nothing when null), or nothing.
_cronium_tool() {
  local fn=$1 print=$2 tool action cred='' rc _cronium_status _cronium_body _cronium_json
  _cronium_json_string "$fn" "$3" || return; tool=$_cronium_json
  _cronium_json_string "$fn" "$4" || return; action=$_cronium_json
  if [[ -n $6 ]]; then _cronium_json_string "$fn" "$6" || return; cred=",\"credential\":$_cronium_json"; fi
  _cronium_call "$fn" runToolAction '' '' "{\"tool\":$tool,\"action\":$action,\"params\":$5$cred}" || return
  jq -c --arg fn "$fn" --arg print "$print" --arg st "$_cronium_status" '
    (if $print == "print" then . elif $print == "data" then (.data | if . == null then empty else . end) else empty end),
    (if .success == true then empty
     else "\($fn): tool_failed (\($st)): \(.error // "the tool reported a failure" | tostring | gsub("[\r\n]+"; " "))\n" | halt_error(17)
     end)' <<<"$_cronium_body"
  rc=$?
  ((rc == 0)) && return 0
  ((rc == 17)) && return 7
  printf '%s: invalid_response (%s): jq could not read the tool result\n' "$fn" "$_cronium_status" >&2
  return 1
}

# _cronium_print FN FIELD CANDIDATE MODE: print member FIELD of $_cronium_body. CANDIDATE is the
# member's JSON text, cut out by the caller once the body's shape told it exactly where the member
# is ("" when it could not tell). MODE: "" prints a string raw and null as nothing (Cronium's way),
# strict prints null as null, json prints JSON. Without jq: a string without escapes, and any other
# value with no whitespace at all, which is compact already (printed as the runtime keeps it, so
# numbers keep every digit). The rest (escapes to undo, whitespace to drop, or no candidate) goes
# through jq.
_cronium_print() {
  local v=$3 inner
  if [[ -n $v ]]; then
    if [[ $v == null && -z $4 ]]; then
      return 0
    elif [[ $v == \"* ]]; then
      if [[ $4 == json ]]; then
        printf '%s\n' "$v"
        return 0
      fi
      inner=${v:1:${#v}-2}
      if ! _cronium_has "$inner" '[\"\\[:cntrl:]]'; then
        printf '%s\n' "$inner"
        return 0
      fi
    elif ! _cronium_has "$v" '[[:space:]]'; then
      printf '%s\n' "$v"
      return 0
    fi
  fi
  local flags=-rc filter='.[$f]'
  [[ $4 == json ]] && flags=-c
  [[ -z $4 ]] && filter='.[$f] | if . == null then empty else . end'
  jq "$flags" --arg f "$2" "$filter" <<<"$_cronium_body" && return 0
  printf '%s: invalid_response (%s): jq could not read the answer\n' "$1" "$_cronium_status" >&2
  return 1
}

# _cronium_json_string FN TEXT -> _cronium_json: TEXT as a JSON string.
_cronium_json_string() {
  local s=$2
  # Nothing to escape (the usual case): no work at all.
  if ! _cronium_has "$s" '[\"\\[:cntrl:]]'; then
    _cronium_json="\"$s\""
    return 0
  fi
  # bash's ${s//x/y} grows quadratic on long texts with many matches: jq takes those.
  if ((${#s} > 4096)); then
    _cronium_json=$(exec jq -Rs '.[:-1]' <<<"$s") && return 0
    printf '%s: invalid_value (0): jq could not encode the text\n' "$1" >&2
    return 2
  fi
  # shellcheck disable=SC1003
  local bs='\' q='"' i h c
  s=${s//"$bs"/"$bs$bs"}
  s=${s//"$q"/"$bs$q"}
  s=${s//$'\n'/"\\n"}
  s=${s//$'\r'/"\\r"}
  s=${s//$'\t'/"\\t"}
  if [[ $s == *[[:cntrl:]]* ]]; then
    for ((i = 1; i < 32; i++)); do
      printf -v h '%02x' $i
      # shellcheck disable=SC2059 # the format is the escape being made
      printf -v c "\\x$h"
      [[ $s == *"$c"* ]] && s=${s//"$c"/"\\u00$h"}
    done
  fi
  _cronium_json="\"$s\""
}

# _cronium_value FN VALUE -> _cronium_json: VALUE as it is when it is one JSON value (Cronium's
# rule: JSON text is stored as JSON), else VALUE as a JSON string. Only text that opens like JSON
# ({, [, ") goes to jq; numbers are taken by RFC 8259's grammar alone, so "007" or "1.2.3" stay text.
_cronium_value() {
  local t=$2
  # Surrounding whitespace is allowed around JSON; look past it (substrings: no pattern walks the text).
  while [[ ${t:0:1} == [[:space:]] ]]; do t=${t:1}; done
  while [[ -n $t && ${t: -1} == [[:space:]] ]]; do t=${t:0:${#t}-1}; done
  case ${t:0:1} in
    '{' | '[' | '"')
      if _cronium_valid_json "$1" "$t" 2>/dev/null; then _cronium_json=$t; return 0; fi ;;
    t | f | n)
      if [[ $t == true || $t == false || $t == null ]]; then _cronium_json=$t; return 0; fi ;;
    - | [0-9])
      if [[ $t =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$ ]]; then _cronium_json=$t; return 0; fi ;;
  esac
  _cronium_json_string "$1" "$2"
}

# _cronium_valid_json FN TEXT [TYPE]: TEXT is exactly one JSON value (of jq type TYPE, if given).
# The text is sent as it is, so numbers keep every digit even where jq would round them.
_cronium_valid_json() {
  local fn=$1 text=$2 want=${3-} got
  if [[ -z $want && $text =~ ^(true|false|null|-?(0|[1-9][0-9]{0,14})|\"[^\"\\[:cntrl:]]*\")$ ]]; then
    return 0
  fi
  if got=$(exec jq -rn '[inputs] | if length == 1 then (.[0] | type) else "\(length) values" end' 2>&1 <<<"$text"); then
    [[ -z $want || $got == "$want" ]] && [[ $got != *values ]] && return 0
    if [[ $got == *values ]]; then
      printf '%s: invalid_json (0): expected one JSON value, got %s\n' "$fn" "$got" >&2
    else
      printf '%s: invalid_json (0): expected a JSON %s, got %s\n' "$fn" "$want" "$got" >&2
    fi
  else
    got=${got//$'\n'/ }
    printf '%s: invalid_json (0): not valid JSON (%s); plain text goes through the function without _json\n' "$fn" "${got#jq: error (at <stdin>:*): }" >&2
  fi
  return 2
}

# _cronium_urlencode TEXT -> _cronium_enc: every byte but RFC 3986's unreserved ones as %XX.
# (Globs, not regexes, on the hot path: bash compiles a regex on every use.)
_cronium_urlencode() {
  if [[ $1 != *[!A-Za-z0-9._~-]* ]]; then
    _cronium_enc=$1
    return 0
  fi
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  _cronium_enc=$out
}

# _cronium_has TEXT BRACKET: TEXT holds a character of the bracket expression BRACKET. A glob for
# short texts (bash compiles a regex on every use); a regex for long ones (the glob is some 20
# times slower on a 1 MiB text).
_cronium_has() {
  if ((${#1} <= 1024)); then
    # shellcheck disable=SC2053 # $2 is the pattern
    [[ $1 == *$2* ]]
  else
    [[ $1 =~ $2 ]]
  fi
}

_cronium_usage() {
  printf '%s: usage: %s %s\n' "$1" "$1" "$2" >&2
}

# _cronium_ready FN: curl and jq once per shell; the configuration on every call (it may change).
_cronium_ready() {
  if [[ ${_CRONIUM_READY-} != 1 ]]; then
    local tool
    for tool in curl jq; do
      if ! type -P $tool >/dev/null; then
        printf '%s: configuration_missing (0): %s is required but was not found on PATH (install it, e.g. apt-get install %s)\n' "$1" $tool $tool >&2
        return 5
      fi
    done
    _CRONIUM_READY=1
  fi
  [[ -n ${CRONIUM_RUNTIME_API-} && -n ${CRONIUM_EXECUTION_TOKEN-} && -n ${CRONIUM_EXECUTION_ID-} ]] && return 0
  local var
  for var in CRONIUM_RUNTIME_API CRONIUM_EXECUTION_TOKEN CRONIUM_EXECUTION_ID; do
    if [[ -z ${!var-} ]]; then
      printf '%s: configuration_missing (0): %s is not set: run the script through cronium (cronium run) or export it\n' "$1" $var >&2
      return 5
    fi
  done
}

# _cronium_call FN OPERATION_ID KEY QUERY BODY [QUIET_CODE]
# One API call, with the retries of SPEC.md. A 2xx answer returns 0 with _cronium_status and
# _cronium_body set (the caller declares them local). Anything else is reported on stderr and
# returns its exit status, except an answer whose problem code is QUIET_CODE: that one returns
# its status without a word (getVariable with a default).
_cronium_call() {
  local fn=$1 op=$2 key=$3 query=$4 body=$5 quiet=${6-}
  local _cronium_op _cronium_enc method path url
  _cronium_ready "$fn" || return
  _cronium_operation "$op" || { printf '%s: internal_error (0): no operation %s\n' "$fn" "$op" >&2; return 1; }
  method=${_cronium_op%% *} path=${_cronium_op#* }
  _cronium_segment "$fn" CRONIUM_EXECUTION_ID "$CRONIUM_EXECUTION_ID" || return
  path=${path//'{executionId}'/"$_cronium_enc"}
  if [[ $path == *'{key}'* ]]; then
    _cronium_segment "$fn" key "$key" || return
    path=${path//'{key}'/"$_cronium_enc"}
  fi

  local api=$CRONIUM_RUNTIME_API
  local args=(-s -X "$method" -A cronium-bash/1 -H @/dev/fd/3 -w '\n%{http_code} %header{retry-after}')
  case $api in
    unix://?*) args+=(--unix-socket "${api#unix://}"); url="http://localhost$path$query" ;;
    # A proxy from the environment (http_proxy ...) is for the world, not for a runtime on this machine:
    # loopback never goes through it (as in the Python and Node helpers, which use no proxy at all).
    http://?* | https://?*) url="${api%/}$path$query"; args+=(--noproxy "127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}${NO_PROXY:+,$NO_PROXY}") ;;
    *)
      printf '%s: configuration_missing (0): CRONIUM_RUNTIME_API must be http://host:port or unix:///path/to.sock, not "%s"\n' "$fn" "$api" >&2
      return 5 ;;
  esac
  # One Idempotency-Key per write, the same on every retry: the write happens once.
  if [[ $method != GET ]]; then
    local uuid
    _cronium_uuid
    args+=(-H "Idempotency-Key: $uuid")
  fi
  # "Expect:" drops curl's 100-continue round trip on large bodies.
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' -H 'Expect:' --data-binary @/dev/fd/4)

  local budget=${CRONIUM_RETRY_DEADLINE-} budget_ms=30000
  if [[ -z $budget ]]; then
    :
  elif [[ $budget =~ ^([0-9]{1,6})(\.([0-9]*))?$ ]]; then
    local frac=${BASH_REMATCH[3]}000
    budget_ms=$((10#${BASH_REMATCH[1]} * 1000 + 10#${frac:0:3}))
  else
    printf '%s: configuration_missing (0): CRONIUM_RETRY_DEADLINE must be a number of seconds, not "%s"\n' "$fn" "$budget" >&2
    return 5
  fi
  local start_us=${EPOCHREALTIME/[.,]/} now_us left_ms out rc status retry_after attempt=0 wait_ms backoff why
  local deadline_us=$((start_us + budget_ms * 1000))
  while :; do
    now_us=${EPOCHREALTIME/[.,]/}
    left_ms=$(((deadline_us - now_us) / 1000))
    # An attempt may use what is left of the deadline, but never less than 10 s (a slow tool
    # action on a last attempt still gets its answer). `exec`: the here-strings would otherwise
    # cost a second fork (subshell, then curl), the largest part of the helper's overhead.
    out=$(exec curl "${args[@]}" --connect-timeout 5 --max-time $((left_ms > 10000 ? (left_ms + 999) / 1000 : 10)) "$url" \
      3<<<"Authorization: Bearer $CRONIUM_EXECUTION_TOKEN" 4<<<"$body")
    rc=$?
    # The trailer "\nSTATUS RETRY-AFTER" is short: look for it at the end only; a large answer is
    # sliced as bytes (see cronium_input).
    ((${#out} > 65536)) && local LC_ALL=C
    status=$out
    ((${#status} > 64)) && status=${status: -64}
    if [[ $status == *$'\n'* ]]; then
      status=${status##*$'\n'}
      _cronium_body=${out:0:${#out}-${#status}-1}
    else
      status='' _cronium_body=''
    fi
    retry_after=${status#* }
    status=${status%% *}
    [[ $status == [0-9][0-9][0-9] ]] || status=000
    _cronium_status=$status

    if ((rc == 0)) && [[ $status == 2?? ]]; then
      return 0
    fi
    why=
    if [[ $status == 000 ]]; then
      # No answer at all. Retry what a restart, a dropped socket or a slow start looks like.
      case $rc in
        5 | 6 | 7 | 16 | 18 | 28 | 35 | 52 | 55 | 56 | 92 | 95) why=$(_cronium_curl_error $rc) ;;
        *)
          printf '%s: unavailable (0): curl failed talking to %s (%s)\n' "$fn" "$api" "$(_cronium_curl_error $rc)" >&2
          return 6 ;;
      esac
    elif [[ $status == 2?? ]]; then
      why="the answer was cut off ($(_cronium_curl_error $rc))" # a 2xx that did not arrive whole
    elif [[ $status == 409 && $_cronium_body == *'"code":"idempotency_in_progress"'* ]]; then
      why= # an earlier attempt of this write still runs (its connection broke): wait for its answer
    elif [[ $status != 429 && $status != 5?? ]]; then
      # A final answer (4xx): never retried.
      if [[ -n $quiet && $_cronium_body =~ \"code\":\"$quiet\" ]]; then
        _cronium_exit_status
        return
      fi
      _cronium_problem "$fn" ''
      return
    fi

    # Retry: Retry-After (the header, else the problem's retryAfter) or capped, jittered backoff.
    backoff=$((attempt < 5 ? 100 << attempt : 2000))
    wait_ms=$((backoff / 2 + RANDOM % (backoff / 2 + 1)))
    if [[ $retry_after =~ ^[0-9]{1,5}$ ]]; then
      wait_ms=$((10#$retry_after * 1000))
    elif [[ $_cronium_body =~ \"retryAfter\":([0-9]{1,5})[,}] ]]; then
      wait_ms=$((10#${BASH_REMATCH[1]} * 1000))
    fi
    now_us=${EPOCHREALTIME/[.,]/}
    if ((now_us + wait_ms * 1000 > deadline_us)); then
      local spent=$(((now_us - start_us) / 1000000))
      if [[ -n $why ]]; then
        printf '%s: unavailable (0): cannot reach the runtime at %s (%s); gave up after %s s and %s attempts\n' \
          "$fn" "$api" "$why" $spent $((attempt + 1)) >&2
      else
        _cronium_problem "$fn" "; gave up after $spent s and $((attempt + 1)) attempts"
      fi
      return 6
    fi
    printf -v wait_ms '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000))
    sleep "$wait_ms"
    attempt=$((attempt + 1))
  done
}

# _cronium_problem FN SUFFIX: report the problem in $_cronium_body on stderr; returns its status.
_cronium_problem() {
  local msg=''
  if [[ $_cronium_body == \{* ]]; then
    msg=$(exec jq -r --arg fn "$1" --arg st "$_cronium_status" --arg suffix "$2" '
      def text: if . == null then "" elif type == "string" then . else tojson end;
      "\($fn): \(.code // "http_\($st)") (\(.status // $st)): \(.detail // .title // "no detail" | text)"
      + (if .currentVersion != null then " (current version: \(.currentVersion))" else "" end)
      + (if .limit != null then " (limit: \(.limit) bytes, received: \(.received // "?") bytes)" else "" end)
      + (if (.errors | type) == "object" then " \(.errors | tojson)" else "" end)
      + $suffix | gsub("[\r\n]+"; " ")' <<<"$_cronium_body" 2>/dev/null) || msg=
  fi
  if [[ -z $msg ]]; then
    local text=${_cronium_body//[[:cntrl:]]/ }
    msg="$1: http_$_cronium_status ($_cronium_status): unexpected answer from the runtime${text:+: ${text:0:200}}$2"
  fi
  printf '%s\n' "$msg" >&2
  _cronium_exit_status
}

# _cronium_exit_status: the exit status for the problem in $_cronium_body (README.md).
_cronium_exit_status() {
  if [[ $_cronium_body =~ \"code\":\"([a-z_]+)\" ]]; then
    case ${BASH_REMATCH[1]} in
      variable_not_found) return 3 ;;
      version_conflict) return 4 ;;
    esac
  fi
  return 1
}

# _cronium_segment FN NAME VALUE -> _cronium_enc: VALUE encoded for one path segment.
_cronium_segment() {
  if [[ -z $3 || $3 == . || $3 == .. ]]; then
    # These would change the path itself rather than name something in it.
    printf '%s: usage: %s cannot be "%s"\n' "$1" "$2" "$3" >&2
    return 2
  fi
  _cronium_urlencode "$3"
}

# _cronium_uuid -> uuid: a random UUID for Idempotency-Key, read without forking.
_cronium_uuid() {
  { read -r uuid </proc/sys/kernel/random/uuid; } 2>/dev/null && [[ -n $uuid ]] && return 0
  printf -v uuid '%04x%04x-%04x-4%03x-%04x-%04x%04x%04x' $RANDOM $RANDOM $RANDOM $((RANDOM & 4095)) \
    $((RANDOM & 16383 | 32768)) $RANDOM $RANDOM $RANDOM
}

_cronium_curl_error() {
  case $1 in
    5 | 6) echo "curl $1: could not resolve the host" ;;
    7) echo "curl 7: could not connect" ;;
    28) echo "curl 28: timed out" ;;
    52) echo "curl 52: empty reply" ;;
    55 | 56) echo "curl $1: connection broken" ;;
    *) echo "curl exit status $1" ;;
  esac
}

# Cronium's own names (its user docs' camelCase, its container SDK's extras) live in cronium-compat.sh
# beside this file; `source /usr/local/bin/cronium.sh` (a link in the runner images) must give them too.
_cronium_load_compat() {
  local here=${BASH_SOURCE[0]%/*} file
  [[ ${BASH_SOURCE[0]} == */* ]] || here=.
  for file in "$here/cronium-compat.sh" "${CRONIUM_HELPERS:+$CRONIUM_HELPERS/bash/cronium-compat.sh}"; do
    # shellcheck source=cronium-compat.sh
    [[ -n $file && -f $file ]] && { source "$file"; return; }
  done
  file=$(readlink -f -- "${BASH_SOURCE[0]}" 2>/dev/null) && [[ -f ${file%/*}/cronium-compat.sh ]] && { source "${file%/*}/cronium-compat.sh"; return; }
  printf 'cronium.sh: cronium-compat.sh is not beside %s: the Cronium names (cronium_getVariable, cronium_event_field, ...) are not defined\n' "${BASH_SOURCE[0]}" >&2
}
_cronium_load_compat
