// Violence rules: a harmful act counts when it is aimed at someone (a person, a group, an animal, a
// place) and meant (a threat, a call, an order, a wish, a how-to request), not when it is reported,
// negated, played, cooked or said of a process.
import { T, w } from "./harm-tags.ts";
import type { Clause, Target } from "./harm-clause.ts";
import { raise, type HarmScores } from "./harm-scores.ts";

const callers = new Set(["someone", "somebody", "everyone", "everybody", "people", "anyone", "anybody"]);

type Mode = "intent" | "call" | "order" | "request" | "hearsay" | "none";

/** What the whole text holds, for the rules that look past one clause. */
export interface TextContext {
  animal: boolean;
  game: boolean;
  report: boolean;
}

/** Why the act at `index` is said: scanned back to the clause start (ten words at most). */
function modeOf(clause: Clause, index: number): Mode {
  const from = Math.max(clause.start, index - 14);
  for (let position = index - 1; position >= Math.max(from, index - 3); position -= 1) {
    if (w(clause.entry(position), T.negation)) return "none";
  }
  // The nearest marker before the act decides: "write a letter saying I will hurt him" is a threat,
  // "how can I hurt him" a request.
  let intentAt = -1;
  for (let position = index - 1; position >= from && intentAt < 0; position -= 1) {
    const entry = clause.entry(position);
    if (!entry) continue;
    if (w(entry, T.request) >= 1) return "request";
    if (w(entry, T.should) || w(entry, T.wish)) return "call";
    if (w(entry, T.intent)) intentAt = position;
  }
  if (intentAt >= 0) {
    if (w(clause.entry(intentAt), T.first)) return "intent";
    // A question's subject follows its verb: "will it kill them?", "will he hurt her?".
    const after = clause.entry(intentAt + 1);
    if (w(after, T.thing) || w(after, T.third) || w(after, T.animal)) return "hearsay";
    if (w(after, T.first)) return "intent";
    for (let position = intentAt - 1; position >= clause.start; position -= 1) {
      const entry = clause.entry(position);
      if (w(entry, T.first)) return "intent";
      // "Someone needs to ...", "everyone has to ...": a call to violence, not a report of it.
      if (callers.has(clause.word(position))) return "call";
      // "The photographer will shoot ...": someone else, named by a noun the lexicon does not know.
      if (!entry && w(clause.entry(position - 1), T.determiner) && position - 1 >= clause.start)
        return "hearsay";
      if (
        w(entry, T.third) ||
        (w(entry, T.person) && !w(entry, T.second)) ||
        clause.analysis.capitals.has(position)
      )
        return "hearsay";
      if (w(entry, T.second) || w(entry, T.thing)) return "hearsay";
    }
    return "intent";
  }
  if (clause.isImperative(index)) return "order";
  return "none";
}

const modeWeight: Record<Mode, number> = {
  intent: 0.8,
  call: 0.75,
  order: 0.7,
  request: 0.8,
  hearsay: 0.35,
  none: 0,
};

function scoreEvent(scores: HarmScores, target: Target, mode: Mode, weight: number): void {
  if (mode === "request") {
    raise(scores, "illicit/violent", weight);
    raise(scores, "violence", weight - 0.05);
    if (target === "group") raise(scores, "hate/threatening", weight - 0.1);
    return;
  }
  raise(scores, "violence", weight);
  if (target === "second" || target === "person") raise(scores, "harassment/threatening", weight);
  if (target === "group") raise(scores, "hate/threatening", weight);
}

function harmEvents(clause: Clause, context: TextContext, scores: HarmScores): void {
  const weapon = clause.total(T.weapon) > 0;
  const group = clause.total(T.group) > 0;
  for (let index = clause.start; index < clause.end; index = clause.next(index)) {
    const entry = clause.entry(index);
    const strength = w(entry, T.harm) ?? 0;
    if (strength === 0 || w(entry, T.idiom)) continue;
    const mode = modeOf(clause, index);
    if (mode === "none") continue;
    let target = clause.targetAfter(index);
    if (target === "none" && mode === "call") target = clause.targetBefore(index);
    if (target === "none" && context.animal && /^(?:it|them)$/.test(clause.word(clause.next(index)))) {
      target = "animal";
    }
    if (target === "none" || target === "self") continue;
    // Places are attacked, bombed, burnt, shot up; "shoot the wedding" is photography.
    if (target === "place" && !w(entry, T.massHarm)) continue;
    // "How do I stop my toddler biting": asked to prevent harm, not to do it.
    if (mode === "request" && clause.total(T.defence) > 0) continue;
    if (target === "person" && group && clause.word(clause.next(index)) === "them") target = "group";
    let weight = modeWeight[mode] + 0.08 * (strength - 1) + (weapon ? 0.07 : 0);
    if (clause.total(T.game) > 0 || (context.game && mode !== "intent")) weight *= 0.4;
    if (clause.total(T.report) > 0 && mode !== "intent" && mode !== "call") weight *= 0.5;
    scoreEvent(scores, target, mode, weight);
    // "How many pills would kill a person": a method of overdose, whoever it is for.
    if (mode === "request" && clause.total(T.drug) > 0 && clause.total(T.weapon) === 0) {
      raise(scores, "self-harm/instructions", weight);
    }
  }
}

/** "should die", "I hope you die", "the only good X is a dead X". */
function deathWishes(clause: Clause, scores: HarmScores): void {
  if (clause.total(T.die) === 0 || clause.total(T.should) + clause.total(T.wish) === 0) return;
  for (let index = clause.start; index < clause.end; index = clause.next(index)) {
    if (!w(clause.entry(index), T.die)) continue;
    let target = clause.targetBefore(index);
    if (target === "none") target = clause.targetAfter(index);
    if (target === "none" || target === "self") continue;
    scoreEvent(scores, target, "call", 0.7);
  }
}

/** Threat phrases, weapons brought along, violence celebrated. */
function threatsAndPraise(clause: Clause, context: TextContext, scores: HarmScores): void {
  const threat = clause.total(T.threat);
  // Some phrases threaten by themselves ("watch your back"); others only said to the reader
  // ("you'll end up in the hospital").
  if (threat >= 2 || (threat >= 1 && clause.total(T.second) > 0)) {
    raise(scores, "harassment/threatening", 0.8);
    raise(scores, "violence", 0.7);
  }
  const speaker = clause.total(T.first) > 0;
  const aimed = clause.total(T.second) + clause.total(T.person) + clause.total(T.place) > 0;
  if (
    speaker &&
    clause.total(T.intent) > 0 &&
    clause.total(T.weapon) > 0 &&
    aimed &&
    clause.total(T.lawful) + clause.total(T.game) === 0
  ) {
    raise(scores, "violence", 0.75);
    if (clause.total(T.second) > 0) raise(scores, "harassment/threatening", 0.75);
  }
  if (clause.total(T.enjoy) + clause.total(T.promote) > 0 && !context.game) {
    const someone = clause.total(T.person) + clause.total(T.third) + clause.total(T.animal) > 0;
    const violent =
      clause.total(T.violentAct) > 0 ||
      clause.total(T.suffer) > 0 ||
      (clause.total(T.harm) > 0 && (someone || hasLivingTarget(clause, context)));
    if (violent) raise(scores, "violence", clause.total(T.report) > 0 ? 0.4 : 0.75);
  }
}

function hasLivingTarget(clause: Clause, context: TextContext): boolean {
  for (let index = clause.start; index < clause.end; index = clause.next(index)) {
    const entry = clause.entry(index);
    if (!w(entry, T.harm) || w(entry, T.idiom)) continue;
    const target = clause.targetAfter(index);
    if (target === "person" || target === "people" || target === "second" || target === "animal") return true;
    if (context.animal && /^(?:it|them)$/.test(clause.word(clause.next(index)))) return true;
  }
  return false;
}

/** Asking how to make weapons, get them unseen, or hide a killing. */
function violentRequests(clause: Clause, scores: HarmScores): void {
  const request = clause.total(T.request) > 0 || clause.question;
  const speaker = clause.total(T.first) > 0;
  const intends = speaker && clause.total(T.intent) > 0;
  if (!request && !intends) return;
  if (clause.total(T.lawful) > 0 || clause.total(T.defence) > 0) return;
  const negated = clause.total(T.negation) > 0 && !speaker;
  const making = clause.total(T.make) > 0;
  const getting = clause.total(T.acquire) > 0;
  const massWeapon = clause.total(T.massWeapon) > 0;
  const contraband = clause.total(T.contraband) > 0;
  const weapon = clause.total(T.weapon) > 0;
  const stealth = clause.total(T.stealth) > 0;
  if (!negated && making && (massWeapon || contraband))
    raise(scores, "illicit/violent", request ? 0.85 : 0.65);
  if (!negated && (getting || making) && weapon && (stealth || contraband))
    raise(scores, "illicit/violent", 0.8);
  // Explosives and chemical weapons are illicit to get at all.
  if (!negated && request && getting && massWeapon) raise(scores, "illicit/violent", 0.8);
  if (!request) return;
  if (clause.total(T.coverUp) > 0) {
    raise(scores, "illicit/violent", 0.85);
    raise(scores, "violence", 0.6);
  }
  const someone = clause.total(T.person) + clause.total(T.third) + clause.total(T.second) > 0;
  if ((weapon || clause.total(T.harm) > 0) && stealth && someone) {
    raise(scores, "illicit/violent", 0.8);
    raise(scores, "violence", 0.7);
  }
}

/**
 * The backoff for threats however the sentence is built: the reader named, violence or a weapon
 * named, and the speaker meaning it ("next time you cross me I'll slit your tires and then your
 * throat", "I'm parked outside your work with a gun").
 */
function threatsToReader(clause: Clause, context: TextContext, scores: HarmScores): void {
  if (clause.total(T.second) + clause.total(T.secondPossessive) === 0) return;
  const pretend =
    clause.total(T.game) + clause.total(T.quote) + clause.total(T.report) + clause.total(T.request) > 0;
  if (context.game || pretend || clause.total(T.negation) > 0) return;
  const weapon = clause.total(T.weapon) > 0;
  const violent = clause.total(T.harm) > 0 || weapon || clause.total(T.gore) >= 0.8;
  const speaker = clause.total(T.first) + clause.total(T.self) > 0;
  const meant = clause.total(T.intent) + clause.total(T.wish) + clause.total(T.threat) > 0;
  if (!violent || !speaker || !(meant || weapon)) return;
  raise(scores, "harassment/threatening", 0.6);
  raise(scores, "violence", 0.6);
}

/** Planning, calling for or asking to write an attack or a terrorist group's post. */
function plannedAttacks(clause: Clause, context: TextContext, scores: HarmScores): void {
  if (clause.total(T.violentAct) === 0 || context.game || clause.total(T.report) > 0) return;
  const meant =
    clause.total(T.intent) + clause.total(T.should) + clause.total(T.promote) + clause.total(T.compose);
  if (meant > 0 && clause.total(T.defence) === 0) raise(scores, "violence", 0.7);
}

const sufferCauses = new Set(["make", "making", "made", "see", "watch", "watching", "seeing"]);

/** "Make a dog suffer": making someone suffer is harming them. */
function madeToSuffer(clause: Clause, context: TextContext, scores: HarmScores): void {
  for (let index = clause.start; index < clause.end; index = clause.next(index)) {
    if (!w(clause.entry(index), T.suffer)) continue;
    for (let position = Math.max(clause.start, index - 4); position < index; position += 1) {
      const word = clause.word(position);
      // "make him suffer", "I want to see you suffer".
      if (!sufferCauses.has(word)) continue;
      const target = clause.targetAfter(position);
      const mode = modeOf(clause, position);
      if (target === "none" || target === "self" || mode === "none" || context.game) break;
      scoreEvent(scores, target, mode, modeWeight[mode]);
      break;
    }
  }
}

export function scoreViolence(clause: Clause, context: TextContext, scores: HarmScores): void {
  if (clause.total(T.harm) > 0) harmEvents(clause, context, scores);
  deathWishes(clause, scores);
  threatsAndPraise(clause, context, scores);
  plannedAttacks(clause, context, scores);
  threatsToReader(clause, context, scores);
  if (clause.total(T.suffer) > 0) madeToSuffer(clause, context, scores);
  violentRequests(clause, scores);
}
