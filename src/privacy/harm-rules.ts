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
  if (drug > 0 && (clause.total(T.make) > 0 || clause.total(T.acquire) > 0)) {
    // Medicine asks about drugs too: only the drug part of the evidence yields to it.
    evidence += (0.5 + drug) * (clause.total(T.medical) > 0 ? 0.5 : 1);
  }
  // "Break into a car", "hack into her account"; a weaker verb ("access", "track") needs
  // someone else's account, phone or messages.
  if (intrude >= 1 && (someone || stealth > 0 || clause.total(T.place) > 0)) evidence += 1.5;
  else if (intrude > 0 && someone && clause.total(T.account) > 0) evidence += 1.5;
  if (stealth > 0 && evidence > 0) evidence += 1;
  // "without the teacher noticing": done unseen.
  else if (evidence > 0 && unnoticed(clause)) evidence += 1;
  if (evidence === 0) return;
  // Asked how ("how do I", "teach me") or asked to write it ("write ransomware"); a question
  // about a crime ("what is armed robbery?") asks neither.
  const asking = Math.min(1, clause.total(T.request) + clause.total(T.compose));
  evidence *= asking > 0 ? asking : 0.3;
  if (clause.total(T.game) > 0) evidence *= 0.5;
  if (clause.total(T.defence) > 0 || clause.total(T.lawful) > 0) evidence *= 0.25;
  if (clause.total(T.report) > 0) evidence *= 0.5;
  raise(scores, "illicit", squash(evidence, 1));
}

/** Self-harm: the speaker's own intent, a method asked for, or someone urged to it. */
export function scoreSelfHarm(clause: Clause, text: Clause, scores: HarmScores): void {
  const urge = clause.total(T.selfHarmUrge);
  if (urge > 0 && text.total(T.support) === 0) {
    raise(scores, "self-harm/instructions", squash(urge, 1));
    // Urging the reader ("kill yourself") is harassment too; urging no one in particular is not.
    // A how-to question's "yourself" is anyone.
    if (clause.total(T.second) > 0 && clause.total(T.request) === 0)
      raise(scores, "harassment", squash(urge, 1));
  }
  let act = clause.total(T.selfHarm);
  const speaker = clause.total(T.first) + clause.total(T.self) > 0;
  const method = clause.total(T.quantity) > 0 || clause.total(T.request) > 0;
  if (act === 0 && clause.total(T.die) > 0) {
    // Death wished for oneself ("I deserve to die") or asked how to reach ("least painful way to die").
    const wants = clause.total(T.intent) + clause.total(T.should) + clause.total(T.wish) > 0;
    const others =
      clause.total(T.second) + clause.total(T.third) + clause.total(T.person) + clause.total(T.group);
    if (speaker && wants && others === 0) act = 1.5;
    else if (method && others === 0) act = 1.2;
  }
  if (act === 0) return;
  // "How deep do I cut to hit a vein": a measure asked of a harmful act on the body.
  if (clause.total(T.quantity) + clause.total(T.request) > 0 && clause.total(T.harm) > 0) act += 1;
  // Encouraging others to it is an instruction too: "a post that encourages people to cut themselves".
  if (clause.total(T.promote) > 0) raise(scores, "self-harm/instructions", squash(act, 1) + 0.1);
  const care =
    text.total(T.support) +
    text.total(T.medical) +
    text.total(T.report) +
    text.total(T.game) +
    text.total(T.quote);
  const dampen = care > 0 ? 0.3 : 1;
  if (method) raise(scores, "self-harm/instructions", squash(act * dampen, 1) + 0.1 * dampen);
  if (speaker && text.total(T.third) === 0) {
    raise(scores, "self-harm/intent", squash(act * dampen, 1) + 0.05);
  } else if (speaker) {
    raise(scores, "self-harm/intent", squash(act * dampen * 0.5, 1));
  }
  raise(scores, "self-harm", squash(act * dampen * 0.6, 1));
}

/** Ages under 18 written as "12 year old", "aged 15". */
function unnoticed(clause: Clause): boolean {
  if (clause.total(T.notice) === 0) return false;
  for (let index = clause.start; index < clause.end; index += 1) {
    if (clause.word(index) !== "without") continue;
    if (clause.any(T.notice, index + 1, index + 5)) return true;
  }
  return false;
}

function minorAge(analysis: Analysis): boolean {
  const { words } = analysis;
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    const first = word.charCodeAt(0);
    if (word.length > 2 || !(first >= 48 && first <= 57)) continue;
    const age = Number(word);
    if (age < 1 || age > 17) continue;
    const next = words[index + 1];
    if (next === "year" || next === "years" || next === "yr" || next === "yrs") return true;
    const before = words[index - 1];
    if (before === "aged" || before === "age") return true;
    // "she is 15": an age said of someone.
    if ((before === "is" || before === "am" || before === "are") && index + 1 >= words.length) return true;
    if ((before === "is" || before === "am" || before === "are") && (next === "" || next === "and"))
      return true;
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
      evidence += 1;
    else if (
      w(analysis.entries[index], T.thirdPossessive) &&
      w(analysis.entries[index + 1], T.sexual) >= 1.5
    ) {
      evidence += 0.5;
    }
  }
  if (evidence <= 0) return;
  raise(scores, "sexual", squash(evidence, 2));
  const minor = text.total(T.minor) >= 1 || minorAge(analysis);
  // A minor named with sexual words; an age under 18 with any sexual word at all.
  const named = text.total(T.minor) >= 1 && evidence >= 1;
  if ((named || (minorAge(analysis) && evidence >= 0.5)) && minor)
    raise(scores, "sexual/minors", squash(evidence + 0.5, 1));
}

/**
 * How squarely the insult at `index` is aimed: 2 said to the reader ("you ...", "what a ..."), 1.5
 * said of someone ("she is a ..."), 0 said of oneself or of no one.
 */
function aim(clause: Clause, index: number, strong: boolean, personal: boolean): number {
  const from = Math.max(clause.start, index - 5);
  for (let position = index - 1; position >= from; position -= 1) {
    const entry = clause.entry(position);
    const word = clause.word(position);
    if (w(entry, T.first) || w(entry, T.self)) return 0;
    if (w(entry, T.second)) return 2;
    if (strong && w(entry, T.secondPossessive)) return 2;
    if ((word === "what" || word === "such") && index - position <= 4) return 2;
    if (word === "calling" || word === "call") return 2;
    if (w(entry, T.copula)) {
      for (let subject = position - 1; subject >= Math.max(clause.start, position - 3); subject -= 1) {
        const before = clause.entry(subject);
        if (w(before, T.first) || w(before, T.self)) return 0;
        if (w(before, T.second)) return 2;
        if (w(before, T.third) || w(before, T.person) || clause.analysis.capitals.has(subject)) return 1.5;
        // "Sarah is a slut": a name opening the clause, before an insult that names a person.
        if (personal && subject === clause.start && !before) return 1.5;
      }
    }
  }
  return 0;
}

/** Insults and abuse aimed at a person (not at oneself, not talk about a word, not at a group). */
export function scoreHarassment(clause: Clause, scores: HarmScores): void {
  const harass = clause.total(T.harass);
  const insults = clause.total(T.insult);
  if (harass + insults + clause.total(T.misfortune) === 0 || clause.total(T.meta) > 0) return;
  let evidence = harass;
  // "I hope you get fired and end up homeless": misfortune wished on the reader.
  if (
    clause.total(T.wish) + clause.total(T.should) > 0 &&
    clause.total(T.misfortune) > 0 &&
    clause.total(T.second) > 0
  ) {
    evidence += 2;
  }
  // "A message that bullies a kid": a harassing act aimed at someone.
  if (harass > 0 && harass < 2 && clause.total(T.person) > 0) evidence += 1;
  if (insults > 0 && clause.total(T.group) === 0) {
    for (let index = clause.start; index < clause.end; index = clause.next(index)) {
      const weight = w(clause.entry(index), T.insult) ?? 0;
      if (weight === 0) continue;
      const personal = w(clause.entry(index), T.person) > 0;
      const aimed = aim(clause, index, weight >= 2, personal);
      if (aimed > 0) evidence += aimed * weight;
      // "Look at this retard": a strong insult that names a person is aimed at someone.
      else if (weight >= 2 && personal) evidence += 2;
      // A short message that is an insult ("ugly bitch") is aimed at its reader.
      else if (weight >= 2 && clause.end - clause.start <= 6) evidence += 2;
      // Said where the reader is named, but not as the subject of it: "imagine being you, a failure".
      else if (clause.total(T.second) > 0 && clause.total(T.first) === 0) evidence += weight;
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
  if (clause.total(T.defence) > 0) evidence *= 0.5;
  raise(scores, "hate", squash(evidence, 1.5));
}

/** "cut his head off", "ripped her arm off": a body part torn from a body. */
function severed(text: Clause): number {
  const { analysis } = text;
  for (let index = 1; index + 1 < analysis.words.length; index += 1) {
    if (!w(analysis.entries[index], T.body)) continue;
    const after = analysis.words[index + 1];
    if (after !== "off" && after !== "out" && after !== "open") continue;
    for (let before = Math.max(0, index - 3); before < index; before += 1) {
      const entry = analysis.entries[before];
      if (w(entry, T.harm) || w(entry, T.gore)) return 1.2;
    }
  }
  return 0;
}

/** Gore for its own sake: several gory details, not a surgeon's notes or a film review. */
export function scoreGraphic(text: Clause, scores: HarmScores): void {
  const gore = text.total(T.gore);
  if (gore === 0) return;
  let evidence =
    gore +
    0.3 * Math.min(3, text.total(T.harm)) +
    (text.total(T.enjoy) > 0 ? 0.5 : 0) +
    (text.total(T.suffer) > 0 ? 0.5 : 0) +
    severed(text);
  evidence -= 1.5 * text.total(T.medical);
  if (evidence <= 0) return;
  const score = squash(evidence, 2);
  raise(scores, "violence/graphic", score);
  raise(scores, "violence", score);
}
