#pragma once
// How the queue's answers cross processes: `inspect` for queue::grant, the reply a remote gateway
// gets to (lease_atom, session). Registered by cluster::register_cluster_types under "ever.grant"
// (identical names on every process).

#include "actors/queue/queue_logic.hpp"

#include <caf/meta/type_name.hpp>

namespace ever::queue {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, grant& x) {
  return f(caf::meta::type_name("ever.grant"), x.lease_id, x.waiter_seq, x.worker_id, x.host,
           x.port);
}

} // namespace ever::queue
