#pragma once
// Interface of the node agent (one per machine; may run in another process: every type here
// crosses the cluster link, see node_wire.hpp). Protocol:
//   (start_atom, worker::launch_plan) -> node::started     spawn + start probing; the sender
//                                                          (a worker actor) later gets
//                                                          (ready_atom) or (failed_atom, msg)
//   (adopt_atom, std::string worker_id, runtime::process_id, uint16_t port, std::string path)
//                                      -> bool alive       re-adopt a process after a restart
//   (adopt_many_atom, std::vector<adoption>, std::vector<caf::actor> workers)
//                                      -> std::vector<std::string> gone
//                                                          the same for an app's recorded workers
//                                                          at once (workers[i] is told about
//                                                          item i); answers the worker ids whose
//                                                          process is gone
//   (stop_atom, std::string worker_id, runtime::process_id, int64_t grace_ms)
//                                                          SIGTERM the group, SIGKILL after grace
//   (logs_atom, std::string worker_id, uint64_t max_bytes) -> std::string
//   (scan_atom) -> std::vector<runtime::owned_process>   this daemon's processes (its EVER_OWNER,
//                                                          group leaders only), for reconciliation
//   (reap_atom, std::vector<runtime::owned_process>) -> std::vector<runtime::owned_process>
//                                                          SIGTERM each group whose pid and start
//                                                          time still match and that no worker
//                                                          actor owns; SIGKILL it after
//                                                          terminate_grace_ms. Answers with those
//                                                          signalled.
//   (fence_atom, std::vector<std::string> keep) -> std::vector<runtime::owned_process>
//                                                          the node rejoined: stop every process
//                                                          of ours whose worker is not in `keep`,
//                                                          tracked or not (as reap)
// Worker actors get (exited_atom, std::string how) when their process exits, whatever the cause.

#include "actors/common/atoms.hpp"
#include "actors/node/node_wire.hpp"

namespace ever::node {

using adopt_atom = caf::atom_constant<caf::atom("adopt")>;
using adopt_many_atom = caf::atom_constant<caf::atom("adoptmany")>;
using logs_atom = caf::atom_constant<caf::atom("logs")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using scan_atom = caf::atom_constant<caf::atom("scan")>;
using reap_atom = caf::atom_constant<caf::atom("reap")>;
using fence_atom = caf::atom_constant<caf::atom("fence")>;

} // namespace ever::node
