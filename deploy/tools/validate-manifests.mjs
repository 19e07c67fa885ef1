// Validates rendered omnigate manifests (kubectl kustomize output).
//
//   node validate-manifests.mjs <overlay-name>=<rendered.yaml> ...
//
// 1. Schema: every object is checked against the Kubernetes OpenAPI schema
//    shipped in the npm package kubernetes-models (core kinds) and
//    @kubernetes-models/prometheus-operator (ServiceMonitor). A kind without
//    a schema is an error, never a silent skip. Note: those schemas do not
//    forbid unknown fields, so step 2 reads every field that matters by name.
// 2. Consistency: probes, ports, drain timings, security context, resources,
//    references between objects, secrets only through ${ENV} in the config.
// Exit status 1 with one line per problem; 0 and a summary otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import YAML from "yaml";

const require = createRequire(import.meta.url);
const problems = [];
const fail = (where, msg) => problems.push(`${where}: ${msg}`);

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  let mod;
  try {
    if (group === "monitoring.coreos.com") {
      mod = require(`@kubernetes-models/prometheus-operator/${apiVersion}`);
    } else {
      mod = require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
    }
  } catch {
    return undefined;
  }
  return mod[kind];
}

// Durations as the config parser accepts them: 500ms, 5s, 2m.
function seconds(text, fallback) {
  if (text === undefined || text === null) return fallback;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(text).trim());
  if (!m) throw new Error(`unparsable duration '${text}'`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : n;
}

// What each binary needs between SIGTERM and exit, from its config and code
// (services/*/main.cc): ingest sleeps drain_delay, then shuts the HTTP and
// gRPC servers down and waits for the writer, each bounded by drain_timeout;
// the dispatcher and the sender drain for drain_timeout and then shut gRPC
// down (2s); the chatbot and agent router shut gRPC down within 5s.
function drainBudget(binary, cfg) {
  switch (binary) {
    case "omnigate-ingest": {
      const i = cfg.ingest || {};
      return seconds(i.drain_delay, 0) + 3 * seconds(i.drain_timeout, 5);
    }
    case "omnigate-dispatcher":
      return seconds((cfg.dispatcher || {}).drain_timeout, 5) + 2;
    case "omnigate-sender":
      return seconds((cfg.sender || {}).drain_timeout, 15) + 2;
    case "omnigate-chatbot":
    case "omnigate-agent-router":
      return 5;
    default:
      return undefined;
  }
}

const EXPECTED_PORTS = {
  "omnigate-ingest": { http: 8080, grpc: 7000, metrics: 9100 },
  "omnigate-dispatcher": { grpc: 7100, metrics: 9103 },
  "omnigate-chatbot": { grpc: 7101, metrics: 9101 },
  "omnigate-agent-router": { grpc: 7102, metrics: 9102 },
  "omnigate-sender": { grpc: 7103, metrics: 9104 },
};
const NEEDS_HPA = ["omnigate-ingest", "omnigate-dispatcher", "omnigate-sender"];
// Replicas that own partitions by lease: more than the partitions would idle.
const LEASED = ["omnigate-dispatcher", "omnigate-sender"];

function argValue(args, flag) {
  for (const a of args || []) if (a.startsWith(`--${flag}=`)) return a.slice(flag.length + 3);
  return undefined;
}

function checkPodSpec(where, spec, podAnnotations, cfg) {
  const ps = spec.securityContext || {};
  if (ps.runAsNonRoot !== true) fail(where, "pod securityContext.runAsNonRoot must be true");
  if (!(ps.runAsUser > 0)) fail(where, "pod securityContext.runAsUser must be a non-zero uid");
  for (const c of spec.containers || []) {
    const cw = `${where} container ${c.name}`;
    const sc = c.securityContext || {};
    if (sc.readOnlyRootFilesystem !== true) fail(cw, "readOnlyRootFilesystem must be true");
    if (sc.allowPrivilegeEscalation !== false) fail(cw, "allowPrivilegeEscalation must be false");
    const drop = ((sc.capabilities || {}).drop || []).map(String);
    if (!drop.includes("ALL")) fail(cw, "capabilities.drop must contain ALL");
    if ((sc.capabilities || {}).add?.length) fail(cw, "no capabilities may be added");
    const r = c.resources || {};
    for (const k of ["requests", "limits"])
      for (const res of ["cpu", "memory"])
        if (!(r[k] && r[k][res])) fail(cw, `resources.${k}.${res} missing`);
    if (!c.readinessProbe) fail(cw, "readinessProbe missing");
    if (!c.livenessProbe) fail(cw, "livenessProbe missing");
    const ports = Object.fromEntries((c.ports || []).map((p) => [p.name, p.containerPort]));
    const known = new Set([...Object.keys(ports), ...Object.values(ports).map(String)]);
    for (const kind of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      const p = c[kind];
      if (!p) continue;
      const target = p.grpc || p.httpGet || p.tcpSocket;
      if (target && !known.has(String(target.port))) fail(cw, `${kind} port ${target.port} is not a container port`);
      if (p.grpc && p.grpc.port !== ports.grpc) fail(cw, `${kind} gRPC probe port ${p.grpc.port} is not the grpc port ${ports.grpc}`);
      if (p.httpGet && p.httpGet.port !== "http" && p.httpGet.port !== ports.http) fail(cw, `${kind} HTTP probe must use the http port`);
    }
    const binary = (c.command || [])[0]?.split("/").pop();
    const expected = EXPECTED_PORTS[binary];
    if (expected) {
      for (const [name, port] of Object.entries(expected)) {
        if (ports[name] !== port) fail(cw, `port ${name} must be ${port} (is ${ports[name]})`);
        const flag = { http: "http_addr", grpc: "grpc_addr", metrics: "metrics_addr" }[name];
        const addr = argValue(c.args, flag);
        if (addr !== `0.0.0.0:${port}`) fail(cw, `--${flag} must listen on 0.0.0.0:${port} (is ${addr})`);
      }
      if (argValue(c.args, "config") !== "/etc/omnigate/omnigate.yaml") fail(cw, "--config must be /etc/omnigate/omnigate.yaml");
      if (String(podAnnotations["prometheus.io/port"]) !== String(expected.metrics)) fail(where, "prometheus.io/port annotation must be the metrics port");
      if (podAnnotations["prometheus.io/scrape"] !== "true") fail(where, "prometheus.io/scrape annotation must be \"true\"");
      const kinds = ["readinessProbe", "livenessProbe"].map((k) => c[k] && (c[k].grpc ? "grpc" : c[k].httpGet ? "http" : "tcp"));
      if (binary === "omnigate-ingest" && c.readinessProbe?.httpGet?.path !== "/readyz") fail(cw, "ingest readiness must be GET /readyz");
      if (binary !== "omnigate-ingest" && kinds[0] !== "grpc") fail(cw, "readiness must be a native gRPC probe");
      // Every service's gRPC health follows Redis: as liveness it would restart every pod in a Redis outage.
      if (kinds[1] === "grpc") fail(cw, "liveness must not be gRPC health (it follows Redis)");
      // Drain: preStop sleep + the binary's drain budget must end before SIGKILL.
      const pre = c.lifecycle?.preStop?.exec?.command;
      const preStop = pre && pre.length === 2 && /sleep$/.test(pre[0]) ? Number(pre[1]) : 0;
      if (!(preStop > 0)) fail(cw, "preStop must sleep so endpoints drop the pod before SIGTERM");
      const budget = drainBudget(binary, cfg);
      const grace = spec.terminationGracePeriodSeconds ?? 30;
      if (!(grace > preStop + budget)) fail(cw, `terminationGracePeriodSeconds ${grace} must exceed preStop ${preStop}s + drain ${budget}s`);
      if (!(c.envFrom || []).some((e) => e.secretRef?.name?.startsWith("omnigate-secrets"))) fail(cw, "secrets must come from Secret omnigate-secrets (envFrom)");
    }
  }
}

function checkConfig(where, text) {
  const cfg = YAML.parse(text);
  const mustBeEnv = [["redis", cfg.redis]];
  for (const c of cfg.connectors || []) {
    for (const k of ["secret", "verify_token", "basic_auth"]) if (c[k] !== undefined) mustBeEnv.push([`connectors.${c.name}.${k}`, c[k]]);
    if (c.outbound?.token !== undefined) mustBeEnv.push([`connectors.${c.name}.outbound.token`, c.outbound.token]);
  }
  for (const [key, value] of mustBeEnv) {
    if (!/^\$\{[A-Z0-9_]+\}$/.test(String(value))) fail(where, `${key} must be a \${ENV} reference to the Secret, not a literal`);
  }
  for (const s of cfg.sinks || []) if (!s.address) fail(where, `sink ${s.name} without address`);
  return cfg;
}

let objects = 0;
for (const arg of process.argv.slice(2)) {
  const [overlay, file] = arg.split("=");
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
  const byKind = (k) => docs.filter((d) => d.kind === k);
  const names = (k) => new Set(byKind(k).map((d) => d.metadata.name));
  let cfg = {};
  for (const doc of docs) {
    objects++;
    const where = `${overlay} ${doc.kind}/${doc.metadata?.name}`;
    const Model = modelFor(doc.apiVersion, doc.kind);
    if (!Model) {
      fail(where, `no schema for ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      fail(where, `schema: ${e.message}`);
    }
  }
  for (const cm of byKind("ConfigMap")) {
    if (cm.data?.["omnigate.yaml"]) cfg = checkConfig(`${overlay} ConfigMap/${cm.metadata.name}`, cm.data["omnigate.yaml"]);
  }
  if (!cfg.redis) fail(overlay, "no ConfigMap with omnigate.yaml");
  const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
  for (const w of workloads) {
    checkPodSpec(`${overlay} ${w.kind}/${w.metadata.name}`, w.spec.template.spec, w.spec.template.metadata?.annotations || {}, cfg);
    // References: ConfigMaps must be rendered; the Secret may be external
    // only in prod (created out of band, see k8s/overlays/prod).
    for (const v of w.spec.template.spec.volumes || []) {
      if (v.configMap && !names("ConfigMap").has(v.configMap.name)) fail(`${overlay} ${w.metadata.name}`, `ConfigMap ${v.configMap.name} not rendered`);
    }
    for (const c of w.spec.template.spec.containers) {
      for (const e of c.envFrom || []) {
        if (e.secretRef && !names("Secret").has(e.secretRef.name) && !(overlay === "prod" && e.secretRef.name === "omnigate-secrets"))
          fail(`${overlay} ${w.metadata.name}`, `Secret ${e.secretRef.name} not rendered`);
      }
    }
  }
  const deployments = byKind("Deployment").map((d) => d.metadata.name);
  for (const name of Object.keys(EXPECTED_PORTS)) {
    if (!deployments.includes(name)) fail(overlay, `Deployment ${name} missing`);
    const svc = byKind("Service").find((s) => s.metadata.name === name);
    if (!svc) {
      fail(overlay, `Service ${name} missing`);
      continue;
    }
    const wanted = Object.entries(EXPECTED_PORTS[name]);
    for (const [pname, port] of wanted) {
      const p = svc.spec.ports.find((x) => x.name === pname);
      if (!p || p.port !== port || p.targetPort !== pname) fail(`${overlay} Service/${name}`, `port ${pname} must be ${port} -> targetPort ${pname}`);
    }
    const dep = byKind("Deployment").find((d) => d.metadata.name === name);
    const labels = dep?.spec.template.metadata.labels || {};
    for (const [k, v] of Object.entries(svc.spec.selector || {})) if (labels[k] !== v) fail(`${overlay} Service/${name}`, `selector ${k}=${v} matches no pod of ${name}`);
    const pdb = byKind("PodDisruptionBudget").find((p) => Object.entries(p.spec.selector.matchLabels || {}).every(([k, v]) => labels[k] === v));
    if (!pdb) fail(overlay, `no PodDisruptionBudget selects ${name}`);
  }
  for (const name of NEEDS_HPA) {
    const hpa = byKind("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.name === name && h.spec.scaleTargetRef.kind === "Deployment");
    if (!hpa) fail(overlay, `no HorizontalPodAutoscaler for ${name}`);
    else if (!(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas >= hpa.spec.minReplicas)) fail(overlay, `HPA ${name} replica bounds`);
  }
  const partitions = cfg.ingest?.partitions ?? 16;
  for (const name of LEASED) {
    const hpa = byKind("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.name === name);
    if (hpa && hpa.spec.maxReplicas > partitions) fail(overlay, `${name} maxReplicas ${hpa.spec.maxReplicas} > partitions ${partitions}`);
  }
  const sm = byKind("ServiceMonitor");
  if (sm.length === 0) fail(overlay, "no ServiceMonitor");
  for (const m of sm) {
    if (!m.spec.endpoints.some((e) => e.port === "metrics")) fail(`${overlay} ServiceMonitor/${m.metadata.name}`, "must scrape port metrics");
    for (const name of Object.keys(EXPECTED_PORTS)) {
      const svc = byKind("Service").find((s) => s.metadata.name === name);
      const sel = m.spec.selector.matchLabels || {};
      if (svc && !Object.entries(sel).every(([k, v]) => svc.metadata.labels?.[k] === v)) fail(`${overlay} ServiceMonitor/${m.metadata.name}`, `does not select Service ${name}`);
    }
  }
  if (byKind("NetworkPolicy").length === 0) fail(overlay, "no NetworkPolicy");
  // The sender's egress is restricted: it must still reach DNS, Redis and
  // the providers' HTTPS APIs.
  const senderLabels = byKind("Deployment").find((d) => d.metadata.name === "omnigate-sender")?.spec.template.metadata.labels || {};
  const egress = byKind("NetworkPolicy").filter((n) => (n.spec.policyTypes || []).includes("Egress") &&
    Object.entries(n.spec.podSelector.matchLabels || {}).every(([k, v]) => senderLabels[k] === v));
  if (egress.length) {
    const rules = egress.flatMap((n) => n.spec.egress || []);
    const open = (port, proto = "TCP") => rules.some((r) => !r.ports || r.ports.some((p) => String(p.port) === String(port) && (p.protocol || "TCP") === proto));
    const redisPort = /:(\d+)/.exec(String(cfg.redis).replace(/^\$\{.*\}$/, ""))?.[1] || "6379";
    if (!open(53, "UDP")) fail(overlay, "sender egress: DNS (53/UDP) blocked");
    if (!open(redisPort)) fail(overlay, `sender egress: Redis port ${redisPort} blocked`);
    if (!rules.some((r) => (r.to || []).some((t) => t.ipBlock?.cidr === "0.0.0.0/0") && (r.ports || []).some((p) => String(p.port) === "443")))
      fail(overlay, "sender egress: HTTPS 443 to the internet (0.0.0.0/0) blocked");
  }
  const redis = byKind("StatefulSet").find((s) => s.metadata.name === "omnigate-redis");
  if (overlay === "dev") {
    if (!redis) fail(overlay, "dev needs the Redis StatefulSet");
    else {
      const args = redis.spec.template.spec.containers[0].args.join(" ");
      if (!/--appendonly yes/.test(args) || !/--appendfsync everysec/.test(args)) fail(overlay, "Redis must run with AOF everysec");
      if (!redis.spec.volumeClaimTemplates?.length) fail(overlay, "Redis needs a volume");
    }
  }
  if (overlay === "prod" && redis) fail(overlay, "prod must use the external Redis from the Secret, not a StatefulSet");
}

if (problems.length) {
  for (const p of problems) console.error(`FAIL ${p}`);
  console.error(`${problems.length} problem(s) in ${objects} objects`);
  process.exit(1);
}
console.log(`ok: ${objects} objects valid against the Kubernetes schemas and consistent`);
