#pragma once
// Interface of the app actor (one per app). Protocol:
//   (scaler::scale_up_atom, int64_t n, std::string reason) -> int64_t      scaler
//   (scaler::scale_down_atom, std::vector<std::string> ids, std::string reason) -> int64_t
//   (status_atom, worker_record)                 worker actors, after each persisted change
//   (view_atom) -> app_view                      admin / directory
//   (update_atom, app_spec, std::string manifest) -> app_view     rolls workers if needed
//   (pause_atom) -> app_view, (resume_atom) -> app_view
//   (delete_atom) -> bool                        stops workers, then erases the app's rows, quits
//   (changed_atom)                               a ConfigMap/Secret changed: re-decide
//   (shutdown_atom, bool stop_workers) -> bool   everd stopping; with stop_workers, answers once
//                                                every worker is gone
//   (queue_atom) -> caf::actor                   the app's queue actor

#include "actors/common/atoms.hpp"
#include "actors/common/unsafe_types.hpp"

namespace ever::app {

using queue_atom = caf::atom_constant<caf::atom("queue")>;

/// An app as the management API shows it.
struct app_view {
  app_record record;
  int64_t ready = 0;   ///< RUNNING workers
  int64_t desired = 0; ///< workers not TERMINATING / TERMINATED / ERROR
};

} // namespace ever::app

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::app::app_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ever::app::app_view>)
