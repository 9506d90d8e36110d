// raictl: the command-line tool for a raictl cluster. It writes desired state into Redis and
// reads status back; raictl-controller and raictl-node do the rest.
#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <iostream>

#include "core/process.h"
#include "raictl/apply.h"
#include "raictl/context.h"
#include "raictl/cordon.h"
#include "raictl/delete.h"
#include "raictl/describe.h"
#include "raictl/drain.h"
#include "raictl/get.h"
#include "raictl/ipam_check.h"
#include "raictl/node_remove.h"
#include "raictl/run.h"

namespace {

std::atomic<bool> stop{false};

}  // namespace

int main(int argc, char** argv) {
  using namespace raictl::cli;

  CLI::App app{"raictl: apply manifests, run and inspect containers of a raictl cluster"};
  app.set_version_flag("--version", std::string("raictl ") + RAICTL_VERSION);
  app.require_subcommand(1);
  std::string redis_url = raictl::default_redis_url();
  app.add_option("--redis", redis_url,
                 "store URL: redis://HOST:PORT/DB or unix:///PATH?db=N (default: $RAICTL_REDIS "
                 "or redis://127.0.0.1:6379/0); password from RAICTL_REDIS_PASSWORD or "
                 "RAICTL_REDIS_PASSWORD_FILE");

  ApplyOptions apply;
  auto* apply_cmd = app.add_subcommand("apply", "create or update the objects of manifests");
  apply_cmd->add_option("-f,--filename", apply.files, "manifest file, directory or - for stdin")
      ->required();
  apply_cmd->add_flag("-R,--recursive", apply.recursive, "also read subdirectories");
  apply_cmd->add_flag("--dry-run", apply.dry_run, "print what would change and write nothing");

  GetOptions get;
  auto* get_cmd = app.add_subcommand("get", "list containers, pools or nodes");
  get_cmd->add_option("resource", get.resource, "containers (ctr), pools or nodes (no)")
      ->required();
  get_cmd->add_option("name", get.name, "one object's name");
  get_cmd->add_option("-l,--selector", get.selector, "label filter: key=value[,key=value]");
  get_cmd->add_option("-o,--output", get.output, "wide, json, yaml or name (default: a table)");
  get_cmd->add_flag("-w,--watch", get.watch,
                    "after the table, print a container's row again on each status change");
  get_cmd->add_option("--watch-timeout", get.watch_timeout_seconds)
      ->group("")
      ->check(CLI::NonNegativeNumber);

  DescribeOptions describe;
  auto* describe_cmd = app.add_subcommand("describe", "show one object in detail with events");
  describe_cmd->add_option("resource", describe.resource, "container, pool or node")->required();
  describe_cmd->add_option("name", describe.name, "the object's name")->required();

  DeleteOptions del;
  auto* delete_cmd = app.add_subcommand("delete", "delete containers, pools or nodes");
  delete_cmd->add_option("-f,--filename", del.files,
                         "delete the objects of this manifest file, directory or - for stdin");
  delete_cmd->add_flag("-R,--recursive", del.recursive, "also read subdirectories");
  delete_cmd->add_option("resource", del.resource, "container, pool or node");
  delete_cmd->add_option("names", del.names, "names of the objects to delete");
  delete_cmd->add_flag("--wait", del.wait, "wait until the objects are gone");
  delete_cmd->add_option("--timeout", del.timeout_seconds, "seconds --wait waits (default 60)")
      ->check(CLI::Range(1, 86400));

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "create one container from flags");
  run_cmd->add_option("name", run.name, "container name")->required();
  run_cmd->add_option("--image", run.image, "image reference, for example nginx:1.25")->required();
  run_cmd->add_option("--node", run.node, "pin the container to this node");
  run_cmd->add_option("--ip", run.ip, "request this address of the pool");
  run_cmd->add_option("--pool", run.pool, "address pool (default: default)");
  run_cmd->add_option("--restart", run.restart, "Always (default), OnFailure or Never");
  run_cmd->add_option("-l,--labels", run.labels, "label KEY=VALUE; repeat for more");
  run_cmd->add_option("--env", run.env, "environment variable NAME=VALUE; repeat for more");
  run_cmd->add_option("--cpu", run.cpu, "CPU limit, for example 250m or 1.5");
  run_cmd->add_option("--memory", run.memory, "memory limit, for example 64Mi");
  run_cmd->add_option("command", run.command, "after --: the command and its arguments");

  std::string cordon_node;
  auto* cordon_cmd =
      app.add_subcommand("cordon", "mark a node unschedulable: no new containers are placed there");
  cordon_cmd->add_option("name", cordon_node, "the node's name")->required();

  std::string uncordon_node;
  auto* uncordon_cmd = app.add_subcommand("uncordon", "make a node schedulable again");
  uncordon_cmd->add_option("name", uncordon_node, "the node's name")->required();

  DrainOptions drain;
  auto* drain_cmd = app.add_subcommand(
      "drain", "cordon a node and move its containers, except pinned ones, to other nodes");
  drain_cmd->add_option("name", drain.node, "the node's name")->required();
  drain_cmd
      ->add_option("--timeout", drain.timeout_seconds,
                   "seconds to wait for the containers to move (default 120)")
      ->check(CLI::Range(1, 86400));
  drain_cmd->add_flag("--no-wait", drain.no_wait, "request the drain and return at once");

  NodeRemoveOptions node_remove;
  auto* node_cmd = app.add_subcommand("node", "manage the nodes of the cluster");
  node_cmd->require_subcommand(1);
  auto* node_remove_cmd =
      node_cmd->add_subcommand("remove", "remove a node that has no containers assigned");
  node_remove_cmd->add_option("name", node_remove.node, "the node's name")->required();
  node_remove_cmd->add_flag("--force", node_remove.force,
                            "remove a dead host with its containers: release the addresses held "
                            "for them and let the controller place them again; rejected while "
                            "the node looks alive");

  auto* ipam_cmd = app.add_subcommand("ipam", "address management");
  ipam_cmd->require_subcommand(1);
  auto* check_cmd = ipam_cmd->add_subcommand(
      "check", "check IPAM's invariants and its agreement with container statuses");

  CLI11_PARSE(app, argc, argv);

  raictl::install_signal_handlers(stop);
  get.stop = &stop;
  drain.stop = &stop;

  // The libraries log routine steps at info; a CLI prints only its results unless asked.
  setenv("RAICTL_LOG_LEVEL", "warn", 0);

  auto context = Context::connect(redis_url);
  if (!context) {
    return fail(std::cerr, context.error().message);
  }

  if (apply_cmd->parsed()) {
    return apply_command(apply, **context, std::cin, std::cout, std::cerr);
  }
  if (get_cmd->parsed()) {
    return get_command(get, **context, std::cout, std::cerr);
  }
  if (describe_cmd->parsed()) {
    return describe_command(describe, **context, std::cout, std::cerr);
  }
  if (delete_cmd->parsed()) {
    return delete_command(del, **context, std::cin, std::cout, std::cerr);
  }
  if (run_cmd->parsed()) {
    return run_command(run, **context, std::cout, std::cerr);
  }
  if (cordon_cmd->parsed()) {
    return cordon_command(cordon_node, **context, std::cout, std::cerr);
  }
  if (uncordon_cmd->parsed()) {
    return uncordon_command(uncordon_node, **context, std::cout, std::cerr);
  }
  if (drain_cmd->parsed()) {
    return drain_command(drain, **context, std::cout, std::cerr);
  }
  if (node_remove_cmd->parsed()) {
    return node_remove_command(node_remove, **context, std::cout, std::cerr);
  }
  if (check_cmd->parsed()) {
    return ipam_check_command(**context, std::cout, std::cerr);
  }
  return 1;
}
