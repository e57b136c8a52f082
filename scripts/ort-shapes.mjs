/**
 * Run ONNX models on onnxruntime-node at given input sizes and report each run's output shapes
 * or its failure: the ground truth of the fixture generators (scripts/gen_torch_fixtures.py,
 * scripts/gen_accuracy_corpus.py), which call it with the jobs on stdin.
 *
 * stdin: `[{model, runs: [{<input name>: dims}], optimized?: boolean}]`
 * stdout: per job, per run, `{outputs, error, node, op, mismatch}` for the graph as written
 * (optimizations off); with `optimized`, `{raw, optimized}` pairs, the second from a session with
 * the default optimizations, whose graph rewrites (Pad fusion into a ceil-mode pool) can change
 * sizes. A model rejected at load gets the load error (`at load: ...`) for every run.
 */
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";

/** Deterministic float32 inputs of the given shapes. */
function feedsFor(shapes) {
  const feeds = {};
  for (const [name, dims] of Object.entries(shapes)) {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 1000) / 1000;
    feeds[name] = new ort.Tensor("float32", data, dims);
  }
  return feeds;
}

function messageOf(e) {
  return String(e && e.message ? e.message : e).trim();
}

async function runOnce(session, shapes) {
  try {
    const out = await session.run(feedsFor(shapes));
    const outputs = {};
    for (const name of session.outputNames) outputs[name] = Array.from(out[name].dims);
    return { outputs, error: null, node: null, op: null, mismatch: null };
  } catch (e) {
    const msg = messageOf(e);
    const m = /running (\w+) node\. Name:'([^']*)'/.exec(msg);
    // The two sizes that disagree: Concat says "Axis 2 has mismatched dimensions of 32 and 33",
    // broadcasting ops say "... 33 by 40".
    const c = /Axis (\d+) has mismatched dimensions of (\d+) and (\d+)/.exec(msg);
    const b = /broadcast an axis by a dimension other than 1\. (\d+) by (\d+)/.exec(msg);
    const mismatch = c ? { axis: Number(c[1]), dims: [Number(c[2]), Number(c[3])] } : b ? { axis: null, dims: [Number(b[1]), Number(b[2])] } : null;
    return { outputs: null, error: msg, node: m ? m[2] : null, op: m ? m[1] : null, mismatch };
  }
}

async function session(model, level) {
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4, graphOptimizationLevel: level };
  try {
    return { session: await ort.InferenceSession.create(model, options), error: null };
  } catch (e) {
    // Shape inference at load time can already reject a graph with fixed sizes; the message
    // names the node: "Node (skip) Op (Concat) [ShapeInferenceError] ...".
    const msg = messageOf(e);
    const m = /Node \(([^)]*)\) Op \((\w+)\)/.exec(msg);
    return { session: null, error: { outputs: null, error: `at load: ${msg}`, node: m ? m[1] : null, op: m ? m[2] : null, mismatch: null } };
  }
}

const jobs = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const job of jobs) {
  const raw = await session(job.model, "disabled");
  const opt = job.optimized ? await session(job.model, "all") : null;
  const runs = [];
  for (const shapes of job.runs) {
    const r = raw.session ? await runOnce(raw.session, shapes) : raw.error;
    if (!opt) runs.push(r);
    else runs.push({ raw: r, optimized: opt.session ? await runOnce(opt.session, shapes) : opt.error });
  }
  results.push(runs);
}
process.stdout.write(JSON.stringify(results));
