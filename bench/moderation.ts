// The moderation benchmark: the built-in classifier on the evaluation set in bench/moderation/
// (precision and recall, flagged versus not and per category, for the tuned and the held-out part),
// and its speed in µs of CPU per KiB of text.
import { BuiltinClassifier } from "../src/privacy/builtin-classifier.ts";
import { openAICategories } from "../src/privacy/classifier.ts";
import { evaluate, loadExamples, summary, type Counts, type Example } from "./moderation-eval.ts";
import { durationSeconds } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("moderation");
const target = { recall: 0.85, precision: 0.9, microsecondsPerKiB: 50 };

function add(into: Counts, from: Counts): Counts {
  return { tp: into.tp + from.tp, fp: into.fp + from.fp, fn: into.fn + from.fn, tn: into.tn + from.tn };
}

const slices = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * CPU µs per KiB classifying `inputs` over and over for about `seconds`, after a warm-up: the median
 * of seven slices, as other processes on a shared host slow some slices down.
 */
function speed(classifier: BuiltinClassifier, inputs: readonly string[], seconds: number) {
  const bytes = inputs.reduce((total, input) => total + Buffer.byteLength(input), 0);
  for (let warm = 0; warm < 3; warm += 1) for (const input of inputs) classifier.classifySync(input);
  const cpuPerKiB: number[] = [];
  const wallPerKiB: number[] = [];
  const cpuPerCall: number[] = [];
  for (let slice = 0; slice < slices; slice += 1) {
    let rounds = 0;
    const cpu = process.cpuUsage();
    const wall = process.hrtime.bigint();
    do {
      for (const input of inputs) classifier.classifySync(input);
      rounds += 1;
    } while (Number(process.hrtime.bigint() - wall) / 1e9 < seconds / slices);
    const used = process.cpuUsage(cpu);
    const cpuMicroseconds = used.user + used.system;
    const kibibytes = (bytes * rounds) / 1024;
    cpuPerKiB.push(cpuMicroseconds / kibibytes);
    wallPerKiB.push(Number(process.hrtime.bigint() - wall) / 1e3 / kibibytes);
    cpuPerCall.push(cpuMicroseconds / (rounds * inputs.length));
  }
  return { cpuPerKiB: median(cpuPerKiB), wallPerKiB: median(wallPerKiB), cpuPerCall: median(cpuPerCall) };
}

/** Inputs of about `size` bytes made by joining consecutive texts, as a chat history joins messages. */
function joined(examples: readonly Example[], size: number): string[] {
  const inputs: string[] = [];
  let current = "";
  for (const example of examples) {
    current += `${example.text}\n`;
    if (current.length >= size) {
      inputs.push(current);
      current = "";
    }
  }
  if (current) inputs.push(current);
  return inputs;
}

export async function run(): Promise<number> {
  const classifier = new BuiltinClassifier();
  const tuning = loadExamples("tuning");
  const unseen = loadExamples("unseen");
  const dev = loadExamples("dev");
  const holdout = loadExamples("holdout");
  const all = [...dev, ...holdout];
  const classify = (text: string) => classifier.classifySync(text);
  progress(`classifying ${tuning.length} tuning, ${dev.length} dev and ${holdout.length} held-out examples`);
  const tuningResult = evaluate(tuning, classify);
  const unseenResult = evaluate(unseen, classify);
  const devResult = evaluate(dev, classify);
  const holdoutResult = evaluate(holdout, classify);
  const flagged = add(devResult.flagged, holdoutResult.flagged);

  const results = { tuning: tuningResult, dev: devResult, holdout: holdoutResult, unseen: unseenResult };
  const show = process.env.BENCH_MODERATION_ERRORS;
  if (show !== undefined && show !== "") {
    if (!Object.hasOwn(results, show))
      throw new Error("BENCH_MODERATION_ERRORS must be tuning, dev, holdout or unseen");
    for (const error of results[show as keyof typeof results].errors) {
      console.error(
        `expected [${error.expected.join(", ")}] got [${error.predicted.join(", ")}]: ${error.text}`,
      );
    }
  }

  const seconds = durationSeconds(3);
  progress(`timing for about ${seconds * 3} s`);
  const fourKiB = speed(classifier, joined(all, 4096), seconds);
  const short = speed(
    classifier,
    all.map((example) => example.text),
    seconds,
  );
  // Ordinary text with nothing to flag: what most requests hold.
  const ordinary = all.filter((example) => example.categories.length === 0).map((example) => example.text);
  let long = "";
  while (long.length < 64 * 1024) long += `${ordinary.join(" ")}\n`;
  const longSpeed = speed(classifier, [long], seconds);

  const categories: Record<string, ReturnType<typeof summary>> = {};
  const rows: string[][] = [];
  for (const category of openAICategories) {
    const counts = add(devResult.categories[category], holdoutResult.categories[category]);
    categories[category] = summary(counts);
    rows.push([
      category,
      String(counts.tp + counts.fn),
      String(categories[category].precision ?? "-"),
      String(categories[category].recall ?? "-"),
    ]);
  }
  const overall = summary(flagged);
  const tuningSummary = summary(tuningResult.flagged);
  const unseenSummary = summary(unseenResult.flagged);
  const devSummary = summary(devResult.flagged);
  const holdoutSummary = summary(holdoutResult.flagged);
  printTable(
    "Built-in classifier, flagged versus not flagged",
    ["set", "examples", "precision", "recall"],
    [
      [
        "tuning (not evaluation)",
        String(tuning.length),
        String(tuningSummary.precision),
        String(tuningSummary.recall),
      ],
      ["dev (tuned against)", String(dev.length), String(devSummary.precision), String(devSummary.recall)],
      ["held out", String(holdout.length), String(holdoutSummary.precision), String(holdoutSummary.recall)],
      ["evaluation: dev + held out", String(all.length), String(overall.precision), String(overall.recall)],
      [
        "unseen (written late, never tuned)",
        String(unseen.length),
        String(unseenSummary.precision),
        String(unseenSummary.recall),
      ],
    ],
  );
  printTable(
    "Per category (all examples; a subcategory counts for its parent too)",
    ["category", "labelled", "precision", "recall"],
    rows,
  );
  printTable(
    "Speed (CPU time of this process)",
    ["input", "µs/KiB CPU", "µs/KiB wall", "µs/call CPU"],
    [
      [
        "4 KiB of joined examples",
        fourKiB.cpuPerKiB.toFixed(1),
        fourKiB.wallPerKiB.toFixed(1),
        fourKiB.cpuPerCall.toFixed(1),
      ],
      [
        "each example alone (~60 B)",
        short.cpuPerKiB.toFixed(1),
        short.wallPerKiB.toFixed(1),
        short.cpuPerCall.toFixed(2),
      ],
      [
        "64 KiB of ordinary text",
        longSpeed.cpuPerKiB.toFixed(1),
        longSpeed.wallPerKiB.toFixed(1),
        longSpeed.cpuPerCall.toFixed(0),
      ],
    ],
  );
  const meets =
    (overall.recall ?? 0) >= target.recall &&
    (overall.precision ?? 0) >= target.precision &&
    fourKiB.cpuPerKiB <= target.microsecondsPerKiB &&
    longSpeed.cpuPerKiB <= target.microsecondsPerKiB;
  console.log(
    JSON.stringify({
      examples: { dev: dev.length, holdout: holdout.length, tuning: tuning.length, unseen: unseen.length },
      flagged: {
        all: overall,
        dev: devSummary,
        holdout: holdoutSummary,
        tuning: tuningSummary,
        unseen: unseenSummary,
      },
      categories,
      us_per_kib_cpu: round(fourKiB.cpuPerKiB, 1),
      us_per_kib_wall: round(fourKiB.wallPerKiB, 1),
      us_per_kib_cpu_64kib_ordinary: round(longSpeed.cpuPerKiB, 1),
      us_per_kib_cpu_short_inputs: round(short.cpuPerKiB, 1),
      us_per_call_cpu_short_inputs: round(short.cpuPerCall, 2),
      target,
      meets_target: meets,
    }),
  );
  return 0;
}
