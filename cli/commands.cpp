// The command table: names, aliases, flags and help text of every command.

#include "cli/internal.hpp"

namespace ever::cli {

namespace {

// Help texts shared by configmap and secret.
constexpr const char* output_table_json_yaml =
    "output format: table (default), json (the API object as received) or yaml";
constexpr const char* output_wide =
    "output format: table (default), wide (more columns), json (the API object as received) or "
    "yaml";

} // namespace

const std::vector<command_def>& commands() {
  static const std::vector<command_def> table = {
    // configmap
    {"configmap", "create", {}, "[-f FILE] [-l KEY=VALUE]... [NAME]",
     "create a ConfigMap",
     "Creates a ConfigMap from a file and/or literals. Its name is NAME, else `name:` in the\n"
     "file, which looks like:\n\n  name: get-start-configmap\n  data:\n    min_workers: '1'\n",
     {{"file", "read name and data from FILE (\"-\" reads stdin)"},
      {"from-literal", "add KEY=VALUE (split at the first '='; repeatable; wins over the file)"}},
     "  ever configmap create get-start-configmap -l min_workers=1 -l max_workers=5\n"
     "  ever cm create -f configmap.yaml\n",
     1, run_config_create},
    {"configmap", "update", {}, "[-f FILE] [-l KEY=VALUE]... [NAME]",
     "replace a ConfigMap's data",
     "Replaces all of a ConfigMap's data (keys not given are removed). Apps whose autoscaler\n"
     "arguments refer to it pick the new values up at their next decision, without a redeploy.\n",
     {{"file", "read name and data from FILE (\"-\" reads stdin)"},
      {"from-literal", "set KEY=VALUE (split at the first '='; repeatable; wins over the file)"}},
     "  ever configmap update get-start-configmap -l min_workers=2 -l max_workers=5\n",
     1, run_config_update},
    {"configmap", "get", {}, "[-o FORMAT] NAME", "show a ConfigMap's keys and values",
     "Prints the ConfigMap's data as KEY VALUE rows.\n",
     {{"output", output_table_json_yaml}},
     "  ever configmap get get-start-configmap\n  ever cm get get-start-configmap -o yaml\n",
     1, run_config_get},
    {"configmap", "list", {"ls"}, "[-o FORMAT]", "list ConfigMaps",
     "Lists the namespace's ConfigMaps: NAME and ITEMS (the number of keys).\n",
     {{"output", output_table_json_yaml}}, "  ever configmap list\n  ever cm ls -n team-a\n", 0,
     run_config_list},
    {"configmap", "delete", {}, "NAME", "delete a ConfigMap",
     "Deletes a ConfigMap. The server refuses while an app refers to it.\n", {},
     "  ever configmap delete get-start-configmap\n", 1, run_config_delete},
    // secret
    {"secret", "create", {}, "[-f FILE] [-l KEY=VALUE]... [NAME]", "create a Secret",
     "Creates a Secret from a file and/or literals. The name is NAME, else `name:` in the file.\n"
     "In the file, values are base64:\n\n  name: hf-token\n  data:\n    token: aGZfMTIz\n",
     {{"file", "read name and data (values base64) from FILE (\"-\" reads stdin)"},
      {"from-literal", "add KEY=VALUE, value in plain text (repeatable; wins over the file)"}},
     "  ever secret create hf-token -l token=hf_123\n", 1, run_config_create},
    {"secret", "update", {}, "[-f FILE] [-l KEY=VALUE]... [NAME]", "replace a Secret's data",
     "Replaces all of a Secret's data (keys not given are removed).\n",
     {{"file", "read name and data (values base64) from FILE (\"-\" reads stdin)"},
      {"from-literal", "set KEY=VALUE, value in plain text (repeatable; wins over the file)"}},
     "  ever secret update hf-token -l token=hf_456\n", 1, run_config_update},
    {"secret", "get", {}, "[-o FORMAT] NAME", "show a Secret (values hidden)",
     "Prints the Secret's NAME and ITEMS (number of keys). Values are never shown: json and yaml\n"
     "list the keys with the values masked.\n",
     {{"output", output_table_json_yaml}}, "  ever secret get hf-token -o yaml\n", 1,
     run_config_get},
    {"secret", "list", {"ls"}, "[-o FORMAT]", "list Secrets",
     "Lists the namespace's Secrets: NAME and ITEMS (the number of keys).\n",
     {{"output", output_table_json_yaml}}, "  ever secret list\n", 0, run_config_list},
    {"secret", "delete", {}, "NAME", "delete a Secret",
     "Deletes a Secret. The server refuses while an app refers to it.\n", {},
     "  ever secret delete hf-token\n", 1, run_config_delete},
    // app
    {"app", "create", {}, "[-f FILE] [--dry-run]", "create an app from its manifest",
     "Sends the manifest (everai/v1alpha1 YAML) to everd, which validates it and starts the app.\n"
     "Errors name the manifest field at fault. The namespace is -n, else metadata.namespace,\n"
     "else \"default\".\n",
     {{"file", "the manifest (default ./app.yaml; \"-\" reads stdin)"},
      {"dry-run", "validate on the server without creating anything"}},
     "  ever app create -f docs/examples/getting-started/app.yaml\n"
     "  ever app create --dry-run\n",
     0, run_app_create},
    {"app", "update", {"upgrade"}, "[-f FILE] [--dry-run] [NAME]",
     "apply a changed manifest (alias: upgrade)",
     "Replaces the app's manifest. Autoscaler changes apply at once; changes to the command,\n"
     "env, resources or volumes roll the workers over (new ones start before old ones stop).\n"
     "The app is NAME, else metadata.name of the manifest.\n",
     {{"file", "the manifest (default ./app.yaml; \"-\" reads stdin)"},
      {"dry-run", "validate on the server without changing anything"}},
     "  ever app update -f app.yaml\n  everai app upgrade\n", 1, run_app_update},
    {"app", "get", {}, "[-o FORMAT] [NAME]", "show one app",
     "Shows the app as one table row; -o yaml shows everything, the manifest included.\n"
     "Without NAME: metadata.name of ./app.yaml, else the only app in the namespace.\n",
     {{"output", output_wide}}, "  ever app get get-start -o yaml\n", 1, run_app_get},
    {"app", "list", {"ls"}, "[-A] [-o FORMAT]", "list apps",
     "Lists apps: NAME NAMESPACE STATUS WORKERS CREATED_AT, with WORKERS = ready/desired\n"
     "(wide adds UPDATED_AT and ROUTE).\n",
     {{"all-namespaces", "list the apps of every namespace"}, {"output", output_wide}},
     "  ever app list\n  ever apps ls -A -o wide\n", 0, run_app_list},
    {"app", "pause", {}, "NAME", "stop all of an app's workers",
     "Pauses the app: every worker stops and requests wait in the queue (status PAUSED,\n"
     "WORKERS 0/0) until `ever app resume`.\n",
     {}, "  ever app pause get-start\n", 1, run_app_pause},
    {"app", "resume", {}, "NAME", "start a paused app again",
     "Resumes a paused app: the autoscaler starts workers again.\n", {},
     "  ever app resume get-start\n", 1, run_app_resume},
    {"app", "delete", {}, "NAME", "delete an app",
     "Deletes the app: its workers drain and stop, queued requests get 503.\n", {},
     "  ever app delete get-start\n", 1, run_app_delete},
    {"app", "queue", {"q"}, "[-o FORMAT] [NAME]", "show the requests waiting for a worker",
     "Lists the app's queued requests: QUEUE_INDEX (0 = next), CREATE_AT and QUEUE_REASON\n"
     "(WorkerBusy: every worker is busy; Session: the session's worker is busy; NotDispatch: no\n"
     "worker is running yet, or the app is paused; InsufficientResources: no node has room for\n"
     "another worker, see `ever app events`).\n"
     "Without NAME: metadata.name of ./app.yaml, else the only app in the namespace.\n",
     {{"output", output_table_json_yaml}}, "  ever app queue get-start\n", 1, run_app_queue},
    {"app", "events", {"e", "event"}, "[--limit N] [-o FORMAT] [NAME]", "show the app's events",
     "Lists the app's events, newest first: TYPE FROM CREATED_AT MESSAGE.\n"
     "Without NAME: metadata.name of ./app.yaml, else the only app in the namespace.\n",
     {{"limit", "show at most N events"}, {"output", output_table_json_yaml}},
     "  ever app events get-start --limit 20\n", 1, run_app_events},
    {"app", "decisions", {}, "[--last N] [-o FORMAT] [NAME]",
     "show the autoscaler's decisions and why",
     "Lists the autoscaler's decisions, newest first: SEQ TIME POLICY ACTIONS REASON.\n"
     "-o json/yaml adds the factors and arguments each decision was made on.\n"
     "Without NAME: metadata.name of ./app.yaml, else the only app in the namespace.\n",
     {{"last", "show the last N decisions"}, {"output", output_table_json_yaml},
      {"replay", "re-run each decision through its policy and list those that differ (exit 1 "
                 "if any)"}},
     "  ever app decisions get-start --last 10\n  ever app decisions -o yaml\n"
     "  ever app decisions get-start --replay\n", 1,
     run_app_decisions},
    // worker
    {"worker", "list", {"ls"}, "[-a] [-d N] [-A] [-o FORMAT] [APP]", "list an app's workers",
     "Lists the app's workers: ID STATUS DETAIL_STATUS CREATED_AT DELETED_AT (wide adds NODE\n"
     "LAST_SERVE_AT SUCCESS_COUNT FAILED_COUNT SESSIONS PID PORT). Terminated and failed workers\n"
     "are left out unless -a.\n"
     "Without APP: metadata.name of ./app.yaml, else the only app in the namespace.\n",
     {{"all", "include TERMINATED and ERROR workers"},
      {"recent-days", "with -a: only workers created in the last N days (server default 2)"},
      {"all-namespaces", "list the workers of every app in every namespace"},
      {"output", output_wide}},
     "  ever worker list\n  ever w ls get-start -a -d 7 -o wide\n", 1, run_worker_list},
    {"worker", "logs", {}, "[--tail N] ID", "print a worker's output",
     "Prints what the worker process wrote to stdout and stderr.\n",
     {{"tail", "only the last N lines"}}, "  ever worker logs 3Pr4LzKwbzNq2nVeM8kTgX --tail 50\n",
     1, run_worker_logs},
    // node
    {"node", "list", {"ls"}, "[-o FORMAT]", "list the cluster's nodes",
     "Lists the nodes that joined the control node: ID ADDRESS STATUS CPU MEMORY GPU WORKERS\n"
     "LAST_HEARTBEAT. CPU, MEMORY and GPU are used/total of what workers requested (spec.resource)\n"
     "against what the node offers. STATUS is Ready, Unreachable (connection lost, not yet\n"
     "node_timeout) or Dead (its workers were replaced elsewhere).\n",
     {{"output", "output format: table (default), json or yaml"}}, "  ever node list\n", 0,
     run_node_list},
    // policy (`policy decide` is dispatched in cli.cpp)
    {"policy", "simulate", {},
     "--policy NAME [--arg KEY=VALUE]... [-f app.yaml] --trace SPEC [flags]",
     "run a policy over a load trace in virtual time",
     "Runs an autoscaling policy offline over a load trace, in virtual time: the app's queue,\n"
     "its workers and the scaler are modelled with the same pure logic everd runs (queue\n"
     "dispatch, Factors, histories, the policy pipeline, scale-from-zero). The scaler decides\n"
     "every --tick and after every change; a scaled-up worker serves after --start-delay.\n"
     "Prints a timeline (TIME WORKERS STARTING BUSY QUEUE ACTIONS; a row when something\n"
     "changed) and a summary: queue wait p50/p99, worker-seconds, scale actions. The same input\n"
     "gives the same output. The autoscaler comes from --policy/--arg, or from a manifest's\n"
     "spec.autoscaler (decorators included; --arg overrides its arguments, and must replace\n"
     "ConfigMap/Secret references, which are not resolved offline).\n\n"
     "Trace SPEC: comma-separated segments of closed-loop clients (each keeps one request\n"
     "outstanding, like ab -c), later ones win from their start on:\n"
     "  const:N  step:N@T  ramp:A-B@T+D (A clients at T to B at T+D)  ramp:A-B@D (from 0)\n"
     "or file:PATH, a CSV request log of arrival_ms,service_ms lines.\n",
     {{"policy", "the policy (simple, free-worker, target-concurrency, ...)"},
      {"arg", "a policy argument KEY=VALUE (repeatable)"},
      {"file", "take the autoscaler (and spec.concurrency) from this app manifest"},
      {"trace", "the load: shape segments or file:PATH (see above)"},
      {"duration", "how long to simulate (default: the trace's last change + 120s)"},
      {"service", "service time of a client's request (default 1s)"},
      {"jitter", "vary service times by +-PCT percent, seeded (default 0)"},
      {"concurrency", "requests one worker serves at once (default 1, or the manifest's)"},
      {"start-delay", "from scale-up to the worker serving (default 2s)"},
      {"tick", "the scaler's timer (default 1s)"},
      {"seed", "seed of the jitter (default 1)"},
      {"output", "output format: table (default) or json"}},
     "  ever policy simulate --policy simple --arg max_workers=5 --arg max_queue_size=2 \\\n"
     "      --arg max_idle_time=60 --trace step:4@10s,step:0@130s\n"
     "  ever policy simulate --policy target-concurrency --arg max_workers=8 --arg target=2 \\\n"
     "      --trace ramp:1-16@60s --concurrency 2\n"
     "  ever policy simulate -f app.yaml --arg max_workers=5 --trace file:requests.csv -o json\n",
     0, run_policy_simulate},
    // top level
    {"", "login", {}, "--token TOKEN [--endpoint URL]",
     "save a token (and endpoint) for later commands",
     "Saves the token, and the endpoint if given, to $EVER_HOME/config.json (else\n"
     "~/.config/ever/config.json), readable only by you (mode 0600). Later commands use them\n"
     "unless --token/--endpoint or EVER_TOKEN/EVER_ENDPOINT say otherwise.\n",
     {}, "  ever login --token ever_0123...\n  ever login --token - < token.txt\n"
         "  ever login --token ever_0123... --endpoint http://10.0.0.5:8080\n",
     0, run_login},
    {"", "logout", {}, "", "forget the saved token",
     "Removes the token saved by `ever login` (a saved endpoint is kept).\n", {},
     "  ever logout\n", 0, run_logout},
    {"", "down", {}, "[--keep-workers]", "stop everd and all its workers",
     "Stops every worker (drained first: requests in flight finish), then stops everd.\n"
     "With --keep-workers only everd stops; its workers keep serving and the next everd\n"
     "re-adopts them (the same as sending everd SIGTERM).\n",
     {{"keep-workers", "leave the worker processes running"}},
     "  ever down\n  ever down --keep-workers\n", 0, run_down},
  };
  return table;
}

const std::vector<group_def>& groups() {
  static const std::vector<group_def> table = {
    {"app", {"apps", "a"}, "create, update, inspect and control apps"},
    {"worker", {"workers", "w"}, "list workers and read their logs"},
    {"node", {"nodes"}, "list the machines of the cluster"},
    {"configmap", {"configmaps", "cm"}, "manage ConfigMaps (settings, e.g. autoscaler arguments)"},
    {"secret", {"secrets", "sec", "s"}, "manage Secrets (settings whose values stay hidden)"},
    {"policy", {}, "run an autoscaling policy offline"},
  };
  return table;
}

} // namespace ever::cli
