#pragma once
// Interface of the admin actor (one per control node): the management API.
//   (mgmt_atom, mgmt_request, mgmt_callback)   callback runs once with the reply, on an actor
//                                              thread; it must not block.

#include "actors/common/atoms.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ever::admin {

using mgmt_atom = caf::atom_constant<caf::atom("mgmt")>;

/// An authenticated management API call.
struct mgmt_request {
  std::string method;
  std::string target; ///< path and query
  std::string body;
};

/// Its answer.
struct mgmt_reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Local only (a std::function): a remote caller asks the control service instead
/// (cluster/control_messages.hpp), which sends mgmt_request and gets mgmt_reply.
struct mgmt_callback {
  std::function<void(mgmt_reply)> fn;
};

// Registered by cluster::register_cluster_types: remote gateways send requests via the control
// service.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mgmt_request& x) {
  return f(caf::meta::type_name("ever.mgmt_request"), x.method, x.target, x.body);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mgmt_reply& x) {
  return f(caf::meta::type_name("ever.mgmt_reply"), x.status, x.content_type, x.body, x.headers);
}

} // namespace ever::admin

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::admin::mgmt_callback)
