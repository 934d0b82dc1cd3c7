#include "actors/cluster/cluster_types.hpp"

#include "actors/admin/admin_messages.hpp"
#include "actors/cluster/cluster_messages.hpp"
#include "actors/cluster/control_messages.hpp"
#include "actors/node/node_wire.hpp"
#include "actors/queue/queue_wire.hpp"

#include <caf/actor_system_config.hpp>

namespace ever::cluster {

void register_cluster_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<capacity>("ever.capacity");
  cfg.add_message_type<node_info>("ever.node_info");
  cfg.add_message_type<join_reply>("ever.join_reply");
  cfg.add_message_type<node_row>("ever.node_row");
  cfg.add_message_type<runtime::process_id>("ever.process_id");
  cfg.add_message_type<runtime::owned_process>("ever.owned_process");
  cfg.add_message_type<worker::launch_plan>("ever.launch_plan");
  cfg.add_message_type<node::started>("ever.started");
  cfg.add_message_type<node::adoption>("ever.adoption");
  cfg.add_message_type<std::vector<node::adoption>>("ever.adoptions");
  // remote gateways: control service (control_messages.hpp) and queue leases
  cfg.add_message_type<route_row>("ever.route_row");
  cfg.add_message_type<route_snapshot>("ever.route_snapshot");
  cfg.add_message_type<admin::mgmt_request>("ever.mgmt_request");
  cfg.add_message_type<admin::mgmt_reply>("ever.mgmt_reply");
  cfg.add_message_type<queue::grant>("ever.grant");
}

} // namespace ever::cluster
