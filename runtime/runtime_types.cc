#include "runtime/runtime_types.h"

namespace raictl {

const char* container_state_name(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated:
      return "created";
    case ContainerState::kRunning:
      return "running";
    case ContainerState::kPaused:
      return "paused";
    case ContainerState::kRestarting:
      return "restarting";
    case ContainerState::kRemoving:
      return "removing";
    case ContainerState::kExited:
      return "exited";
    case ContainerState::kDead:
      return "dead";
  }
  return "unknown";
}

const char* event_action_name(EventAction action) {
  switch (action) {
    case EventAction::kStart:
      return "start";
    case EventAction::kDie:
      return "die";
    case EventAction::kOom:
      return "oom";
    case EventAction::kDestroy:
      return "destroy";
  }
  return "unknown";
}

ImageReference parse_image_reference(const std::string& reference) {
  if (reference.find('@') != std::string::npos) {
    return ImageReference{reference, ""};
  }

  size_t last_slash = reference.rfind('/');
  size_t colon = reference.rfind(':');
  bool has_tag =
      colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash);
  if (!has_tag) {
    return ImageReference{reference, "latest"};
  }
  return ImageReference{reference.substr(0, colon), reference.substr(colon + 1)};
}

std::vector<std::string> network_mismatches(const NetworkSpec& spec, const NetworkInfo& actual) {
  std::vector<std::string> mismatches;
  auto compare = [&](const char* field, const std::string& expected, const std::string& found) {
    if (!expected.empty() && expected != found) {
      mismatches.push_back(std::string(field) + " is " + (found.empty() ? "unset" : found) +
                           ", expected " + expected);
    }
  };

  compare("subnet", spec.subnet, actual.subnet);
  compare("gateway", spec.gateway, actual.gateway);
  compare("ip range", spec.ip_range, actual.ip_range);
  compare("bridge name", spec.bridge_name, actual.bridge_name);
  if (spec.mtu != 0 && spec.mtu != actual.mtu) {
    compare("mtu", std::to_string(spec.mtu), actual.mtu == 0 ? "" : std::to_string(actual.mtu));
  }
  if (actual.driver != "bridge") {
    compare("driver", "bridge", actual.driver);
  }
  return mismatches;
}

}  // namespace raictl
