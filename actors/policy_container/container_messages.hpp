#pragma once
// Interface of the policy runner (one per app whose autoscaler is `container`). Protocol:
//   (decide_atom, std::string factors_json) -> std::string result_json
//        POSTs the Factors JSON (everai-reference §1.2) to the policy process and answers with
//        its DecideResult (§1.3), checked and re-serialised; or an error saying what went wrong
//        (not running, connection refused, no reply within container_policy_timeout_ms,
//        HTTP status, not a DecideResult).
//   (stop_atom)   stop the policy process (SIGTERM, SIGKILL after terminate_grace_ms) and quit.
// A policy process that exited is started again by the first decide after its backoff.
// The runner also stops when the actor that spawned it (its owner, the scaler) goes down.

#include "actors/common/atoms.hpp"

namespace ever::policy_container {

using decide_atom = caf::atom_constant<caf::atom("pdecide")>;

} // namespace ever::policy_container
