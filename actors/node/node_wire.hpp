#pragma once
// How the node agent's messages cross processes: `inspect` for every type of its protocol, so a
// worker actor on the control node can start, adopt and stop processes on another machine.
// Registered with CAF by cluster::register_cluster_types (identical names on every node).

#include "actors/node/node_messages_types.hpp"

#include <caf/meta/type_name.hpp>

namespace ever::runtime {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_spec& x) {
  return f(caf::meta::type_name("ever.process_spec"), x.argv, x.env, x.work_dir, x.log_path);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_id& x) {
  return f(caf::meta::type_name("ever.process_id"), x.pid, x.start_time);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, owned_process& x) {
  return f(caf::meta::type_name("ever.owned_process"), x.pid, x.start_time, x.worker_id, x.ns,
           x.app);
}

} // namespace ever::runtime

namespace ever {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, volume_files& x) {
  return f(caf::meta::type_name("ever.volume_files"), x.dir, x.files, x.mode);
}

} // namespace ever

namespace ever::worker {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, launch_plan& x) {
  return f(caf::meta::type_name("ever.launch_plan"), x.worker_id, x.ns, x.app, x.process,
           x.volumes, x.readiness_path);
}

} // namespace ever::worker

namespace ever::node {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, started& x) {
  return f(caf::meta::type_name("ever.started"), x.id, x.port);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adoption& x) {
  return f(caf::meta::type_name("ever.adoption"), x.worker_id, x.id, x.port, x.readiness_path);
}

} // namespace ever::node
