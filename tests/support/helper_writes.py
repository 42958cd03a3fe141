"""Writes N variables through the Python helper, one after another, through a relay that now and then loses the
answer after the runtime has acted (the helper then retries with the same Idempotency-Key). Prints each index as
its write is acknowledged, then how many answers were lost. Used by the runtime's PostgreSQL-outage test, which
stops and starts PostgreSQL meanwhile.

    CRONIUM_RUNTIME_API=... CRONIUM_EXECUTION_TOKEN=... CRONIUM_EXECUTION_ID=... python3 helper_writes.py N
"""
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(root, "helpers", "python"))
sys.path.insert(0, os.path.join(root, "helpers", "python", "tests"))

import cronium  # noqa: E402
from relay import Relay, parse_api  # noqa: E402

relay = Relay(parse_api(os.environ["CRONIUM_RUNTIME_API"]), unix=False)
os.environ["CRONIUM_RUNTIME_API"] = relay.api
lost = 0
for i in range(int(sys.argv[1])):
    if i % 7 == 3:
        # A new connection whose answer the relay swallows once the runtime has acted on the write.
        relay.close_client_connections()
        relay.swallow_answers = 1
        lost += 1
    cronium.setVariable("k%d" % i, {"i": i})
    print(i, flush=True)
print("lost answers: %d" % lost, flush=True)
relay.close()
