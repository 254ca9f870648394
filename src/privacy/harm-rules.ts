// The rules for crime, self-harm, sexual content, harassment, hate and gore: weighted evidence from the
// lexicon, counted only in the settings that make it harmful (asked for, aimed at someone, meant).
import { T, w } from "./harm-tags.ts";
import type { Clause } from "./harm-clause.ts";
import { raise, squash, type HarmScores } from "./harm-scores.ts";
import type { Analysis } from "./harm-tokenizer.ts";

/** Asking for help with a crime: hacking someone, stealing, fraud, making or buying drugs unseen. */
export function scoreIllicit(clause: Clause, scores: HarmScores): void {
  const crime = clause.total(T.crime);
  const drug = clause.total(T.drug);
  const intrude = clause.total(T.intrude);
  const stealth = clause.total(T.stealth);
  if (crime + drug + intrude + stealth === 0) return;
  const someone =
    clause.total(T.person) +
      clause.total(T.third) +
      clause.total(T.thirdPossessive) +
      clause.total(T.secondPossessive) >
    0;
  let evidence = crime;
  if (drug > 0 && (clause.total(T.make) > 0 || clause.total(T.acquire) > 0)) evidence += 0.5 + drug;
  if (intrude > 0 && (someone || stealth > 0)) evidence += 1.5;
  if (stealth > 0 && evidence > 0) evidence += 1;
  if (evidence === 0) return;
  const asked = clause.total(T.request) > 0 || clause.question;
  if (!asked) evidence *= 0.3;
  if (clause.total(T.defence) > 0 || clause.total(T.lawful) > 0) evidence *= 0.25;
  if (clause.total(T.report) > 0 || clause.total(T.medical) > 0) evidence *= 0.5;
  raise(scores, "illicit", squash(evidence, 1));
}

/** Self-harm: the speaker's own intent, a method asked for, or someone urged to it. */
export function scoreSelfHarm(clause: Clause, text: Clause, scores: HarmScores): void {
  const urge = clause.total(T.selfHarmUrge);
  if (urge > 0 && text.total(T.support) === 0) {
    raise(scores, "self-harm/instructions", squash(urge, 1));
    raise(scores, "harassment", squash(urge, 1));
  }
  const act = clause.total(T.selfHarm);
  if (act === 0) return;
  const care = text.total(T.support) + text.total(T.medical) + text.total(T.report);
  const dampen = care > 0 ? 0.3 : 1;
  const method = clause.total(T.quantity) > 0 || clause.total(T.request) > 0;
  if (method) raise(scores, "self-harm/instructions", squash(act * dampen, 1) + 0.1 * dampen);
  const speaker = clause.total(T.first) + clause.total(T.self) + clause.total(T.selfPossessive) > 0;
  if (speaker && text.total(T.third) === 0) {
    raise(scores, "self-harm/intent", squash(act * dampen, 1) + 0.05);
  } else if (speaker) {
    raise(scores, "self-harm/intent", squash(act * dampen * 0.5, 1));
  }
  raise(scores, "self-harm", squash(act * dampen * 0.6, 1));
}

/** Ages under 18 written as "12 year old", "aged 15". */
function minorAge(analysis: Analysis): boolean {
  const { words } = analysis;
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    if (word.length > 2 || !/^\d+$/.test(word)) continue;
    const age = Number(word);
    if (age < 1 || age > 17) continue;
    const next = words[index + 1];
    if (next === "year" || next === "years" || next === "yr" || next === "yrs") return true;
    if (words[index - 1] === "aged" || words[index - 1] === "age") return true;
  }
  return false;
}

/** Sexual content is weighed over the whole text: it rarely fits one clause. */
export function scoreSexual(text: Clause, scores: HarmScores): void {
  const sexual = text.total(T.sexual);
  if (sexual === 0) return;
  let evidence = sexual - 1.5 * text.total(T.sexEducation);
  // Sexual words aimed at the reader ("your ...") are a stronger sign than the words alone.
  const { analysis } = text;
  for (let index = 0; index + 1 < analysis.words.length; index += 1) {
    if (w(analysis.entries[index], T.secondPossessive) && w(analysis.entries[index + 1], T.sexual))
      evidence += 0.5;
  }
  if (evidence <= 0) return;
  raise(scores, "sexual", squash(evidence, 2));
  const minor = text.total(T.minor) >= 1 || minorAge(analysis);
  if (minor && evidence >= 1) raise(scores, "sexual/minors", squash(evidence + 0.5, 1));
}

/** Whether the insult at `index` is said to or of someone: "you ...", "what a ...", "she is a ...". */
function directed(clause: Clause, index: number, strong: boolean): boolean {
  const from = Math.max(clause.start, index - 5);
  for (let position = index - 1; position >= from; position -= 1) {
    const entry = clause.entry(position);
    const word = clause.word(position);
    if (w(entry, T.second)) return true;
    if (strong && w(entry, T.secondPossessive)) return true;
    if ((word === "what" || word === "such") && index - position <= 4) return true;
    if (word === "calling" || word === "call") return true;
    if (w(entry, T.copula)) {
      for (let subject = position - 1; subject >= Math.max(clause.start, position - 3); subject -= 1) {
        const before = clause.entry(subject);
        if (w(before, T.first) || w(before, T.self)) return false;
        if (
          w(before, T.third) ||
          w(before, T.person) ||
          w(before, T.second) ||
          clause.analysis.capitals[subject]
        )
          return true;
      }
    }
  }
  return false;
}

/** Insults and abuse aimed at a person (not at oneself, not talk about a word, not at a group). */
export function scoreHarassment(clause: Clause, scores: HarmScores): void {
  const harass = clause.total(T.harass);
  const insults = clause.total(T.insult);
  if (harass + insults === 0 || clause.total(T.meta) > 0) return;
  let evidence = harass;
  if (insults > 0 && clause.total(T.group) === 0) {
    for (let index = clause.start; index < clause.end; index = clause.next(index)) {
      const weight = w(clause.entry(index), T.insult) ?? 0;
      if (weight === 0) continue;
      if (directed(clause, index, weight >= 2)) evidence += 2 * weight;
      else if (weight >= 2 && w(clause.entry(index), T.person)) evidence += 1.5;
    }
  }
  raise(scores, "harassment", squash(evidence, 2));
}

/** Demeaning a protected group, or a slur. */
export function scoreHate(clause: Clause, scores: HarmScores): void {
  const slurs = clause.total(T.slur);
  if (clause.total(T.meta) > 0) return;
  let groups = 0;
  if (clause.total(T.group) + clause.total(T.groupAdjective) > 0) {
    for (let index = clause.start; index < clause.end; index = clause.next(index)) {
      if (clause.isGroup(index)) groups += 1;
    }
  }
  let evidence = slurs;
  if (groups > 0) {
    evidence += clause.total(T.dehumanize) + 0.5 * clause.total(T.insult);
    if (clause.total(T.hateVerb) > 0) evidence += 1.5;
  }
  if (evidence === 0) return;
  if (clause.total(T.defence) > 0 || clause.total(T.report) > 0) evidence *= 0.5;
  raise(scores, "hate", squash(evidence, 1.5));
}

/** Gore for its own sake: several gory details, not a surgeon's notes or a film review. */
export function scoreGraphic(text: Clause, scores: HarmScores): void {
  const gore = text.total(T.gore);
  if (gore === 0) return;
  let evidence = gore + 0.3 * Math.min(3, text.total(T.harm)) + (text.total(T.enjoy) > 0 ? 0.5 : 0);
  evidence -= 1.5 * text.total(T.medical);
  if (evidence <= 0) return;
  const score = squash(evidence, 2.5);
  raise(scores, "violence/graphic", score);
  raise(scores, "violence", score);
}
