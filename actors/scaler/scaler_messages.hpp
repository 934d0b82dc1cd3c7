#pragma once
// Interface of the scaler actor (one per app). Protocol:
//   (changed_atom)                      app/directory: something a decision reads changed
//   (changed_atom, app_snapshot)        queue: it changed, here is the new state; the scaler
//                                       answers (ready_atom) when it takes it into a decision
//   (update_atom, app_spec)             app: the manifest changed (autoscaler, volumes)
//   (pause_atom, bool paused)           app: a paused app takes no decisions
//   (delete_atom)                       app: the app is gone, quit
// Otherwise (ticks, config changes) the scaler asks the queue for (snapshot_atom). It orders the app:
//   (scale_up_atom, int64_t count, std::string reason) -> int64_t started
//   (scale_down_atom, std::vector<std::string> ids, std::string reason) -> int64_t stopping
// after the decision record is persisted.
// For a container autoscaler it asks its policy runner (policy_container/container_messages.hpp)
//   (decide_atom, std::string factors_json) -> std::string result_json

#include "actors/common/atoms.hpp"
#include "actors/common/unsafe_types.hpp"
#include "core/model.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

namespace ever::scaler {

using scale_up_atom = caf::atom_constant<caf::atom("scaleup")>;
using scale_down_atom = caf::atom_constant<caf::atom("scaledown")>;

} // namespace ever::scaler

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::autoscaler_spec)
