// One clause of analysed text as the rules see it: tag totals, and who or what a verb is aimed at.
import { T, tags, w, type Entry } from "./harm-tags.ts";
import type { Analysis } from "./harm-tokenizer.ts";

/** Who or what an act is aimed at. "people" is anyone at all; "person" someone in particular. */
export type Target = "second" | "person" | "people" | "group" | "animal" | "place" | "self" | "none";

const generic = new Set([
  "someone",
  "somebody",
  "anyone",
  "anybody",
  "everyone",
  "everybody",
  "people",
  "person",
  "persons",
  "folks",
  "human",
  "humans",
  "men",
  "women",
  "kids",
  "children",
  "others",
]);

/** Opening words of an order ("go and ...", "just ..."): they leave a clause imperative. */
const imperativeOpeners = new Set([
  "go",
  "just",
  "then",
  "and",
  "please",
  "now",
  "so",
  "also",
  "ok",
  "okay",
  "come",
  "first",
  "quickly",
  "simply",
]);

/** Things owned that an act on harms no one: "kill his mood", "crush your dreams". */
const abstractThings = new Set([
  "mood",
  "vibe",
  "time",
  "idea",
  "plan",
  "chance",
  "chances",
  "career",
  "dream",
  "dreams",
  "hopes",
  "confidence",
  "buzz",
  "fun",
  "deal",
  "budget",
  "goal",
  "presentation",
  "interview",
  "exam",
  "test",
  "problem",
]);

const worshipPlaces = new Set([
  "mosque",
  "mosques",
  "synagogue",
  "synagogues",
  "church",
  "churches",
  "temple",
  "temples",
]);

export class Clause {
  readonly analysis: Analysis;
  readonly start: number;
  readonly end: number;
  readonly question: boolean;
  readonly #totals: Float64Array;
  readonly #offset: number;

  /** Tag sums come from the analysis: `totals` from `offset` on, one number per tag. */
  constructor(
    analysis: Analysis,
    start: number,
    end: number,
    question: boolean,
    totals: Float64Array,
    offset: number,
  ) {
    this.analysis = analysis;
    this.start = start;
    this.end = end;
    this.question = question;
    this.#totals = totals;
    this.#offset = offset;
  }

  /** The clause's sum of a tag's weights (`T.harm`). */
  total(tag: number): number {
    return this.#totals[this.#offset + tag]!;
  }

  entry(index: number): Entry | undefined {
    return index >= this.start && index < this.end ? this.analysis.entries[index] : undefined;
  }

  word(index: number): string {
    return this.analysis.words[index] ?? "";
  }

  /** The next word's index after the entry at `index` (a phrase counts as one). */
  next(index: number): number {
    return index + Math.max(1, this.analysis.spans[index] ?? 1);
  }

  /** Whether any word in [from, to) carries the tag. */
  any(tag: number, from: number, to: number): boolean {
    for (let index = Math.max(from, this.start); index < Math.min(to, this.end); index += 1) {
      if (w(this.analysis.entries[index], tag) > 0) return true;
    }
    return false;
  }

  /** A word that names a group: a plural ("Muslims") or a group word not followed by an ordinary noun. */
  isGroup(index: number): boolean {
    const entry = this.entry(index);
    if (!entry) return false;
    if (w(entry, T.group)) return true;
    if (!w(entry, T.groupAdjective)) return false;
    const nextIndex = this.next(index);
    if (nextIndex >= this.end) return true;
    const following = this.entry(nextIndex);
    if (!following) return false;
    return Boolean(
      w(following, T.person) ||
      w(following, T.preposition) ||
      w(following, T.copula) ||
      w(following, T.determiner) ||
      w(following, T.question) ||
      w(following, T.intent) ||
      w(following, T.should) ||
      w(following, T.dehumanize) ||
      w(following, T.insult) ||
      w(following, T.slur) ||
      // "every Muslim we find": a relative clause follows the group.
      w(following, T.first) ||
      w(following, T.second) ||
      w(following, T.third),
    );
  }

  /** Whether the words before `index` in this clause leave it an order: no subject, no question. */
  isImperative(index: number): boolean {
    const word = this.word(index);
    if (word.endsWith("ed") || word.endsWith("ing")) return false;
    // An order may begin after a comma: "violence is the answer, attack the town hall".
    let start = this.start;
    for (let position = index; position > this.start; position -= 1) {
      if (this.analysis.breaks.has(position)) {
        start = position;
        break;
      }
    }
    // "Round up the gays and burn them": after "and", a second order follows the first.
    if (this.#opensOrder(start)) {
      for (let position = index - 1; position > start; position -= 1) {
        const word = this.word(position);
        if (word === "and" || word === "then") {
          start = position + 1;
          break;
        }
      }
    }
    for (let before = start; before < index; before += 1) {
      if ((this.analysis.spans[before] ?? 1) === 0) continue;
      const entry = this.analysis.entries[before];
      const text = this.word(before);
      if (imperativeOpeners.has(text)) continue;
      // A word the lexicon does not know, opening the order and followed by its object, is its verb:
      // "round up the gays and burn them", "grab your weapons and attack".
      if (!entry && before === start && this.#opensObject(before + 1)) continue;
      if (!entry) return false;
      if (
        w(entry, T.first) ||
        w(entry, T.second) ||
        w(entry, T.third) ||
        w(entry, T.person) ||
        w(entry, T.group) ||
        w(entry, T.copula)
      )
        return false;
      if (
        w(entry, T.question) ||
        w(entry, T.request) ||
        w(entry, T.intent) ||
        w(entry, T.should) ||
        w(entry, T.wish)
      )
        return false;
      if (!(
        w(entry, T.determiner) ||
        w(entry, T.preposition) ||
        w(entry, T.place) ||
        w(entry, T.thing) ||
        w(entry, T.particle)
      ))
        return false;
    }
    return true;
  }

  /**
   * Who the act at `index` is aimed at: the first noun phrase after the verb, skipping determiners
   * and adjectives. A body part belongs to its possessor ("your throat" is you). A person word that
   * begins a compound is a thing ("child process"). Stops at a preposition.
   */
  /** Whether the clause part from `index` opens with an order: a verb, then its object. */
  #opensOrder(index: number): boolean {
    const entry = this.entry(index);
    if (w(entry, T.question) || w(entry, T.first) || w(entry, T.second) || w(entry, T.third)) return false;
    if (w(entry, T.harm) || imperativeOpeners.has(this.word(index))) return true;
    if (w(entry, T.person) || w(entry, T.group) || w(entry, T.copula)) return false;
    return this.#opensObject(index + 1);
  }

  /** Whether the word at `index` begins an object: a determiner, a pronoun, a particle. */
  #opensObject(index: number): boolean {
    const entry = this.entry(index);
    return (
      w(entry, T.determiner) +
        w(entry, T.particle) +
        w(entry, T.secondPossessive) +
        w(entry, T.thirdPossessive) +
        w(entry, T.selfPossessive) >
        0 ||
      (w(entry, T.third) > 0 && w(entry, T.person) > 0)
    );
  }

  /** The owner named after a body part: "every bone in your body". */
  #ownerAfter(index: number): Target | null {
    for (let position = index + 1; position < Math.min(this.end, index + 4); position += 1) {
      const entry = this.entry(position);
      if (w(entry, T.secondPossessive) || w(entry, T.second)) return "second";
      if (w(entry, T.thirdPossessive)) return "person";
      if (w(entry, T.selfPossessive)) return "self";
    }
    return null;
  }

  targetAfter(index: number): Target {
    const own = this.entry(index);
    if (w(own, T.second)) return "second";
    if (w(own, T.person) || w(own, T.third)) return "person";
    let possessor: Target | null = null;
    let unknown = 0;
    const limit = Math.min(this.end, this.next(index) + 7);
    for (let position = this.next(index); position < limit; position = this.next(position)) {
      const entry = this.analysis.entries[position];
      const word = this.word(position);
      if (!entry) {
        // A name, unless it names a thing: "kill a Python process".
        if (this.analysis.capitals.has(position)) {
          return w(this.entry(this.next(position)), T.thing) ? "none" : "person";
        }
        if (/^\d+$/.test(word)) continue;
        unknown += 1;
        if (unknown > 2 || possessor) break;
        continue;
      }
      if (w(entry, T.idiom)) return "none";
      // A group, named or by a slur ("the faggots"), or its place of worship.
      if (this.isGroup(position) || worshipPlaces.has(word) || w(entry, T.slur) > 0) return "group";
      if (w(entry, T.second)) return "second";
      if (w(entry, T.self)) return "self";
      if (w(entry, T.secondPossessive)) {
        possessor = "second";
        continue;
      }
      if (w(entry, T.selfPossessive)) {
        possessor = "self";
        continue;
      }
      if (w(entry, T.thirdPossessive)) {
        possessor = "person";
        continue;
      }
      if (w(entry, T.body)) return possessor ?? this.#ownerAfter(position) ?? "none";
      if (w(entry, T.person) || w(entry, T.third)) {
        const following = this.next(position);
        if (w(this.entry(following), T.thing)) return "none";
        // "my neighbour's cat": the act is aimed at what the person owns.
        if (this.word(following) === "'s") {
          possessor = "person";
          position = following;
          continue;
        }
        return possessor || !generic.has(word) ? "person" : "people";
      }
      if (w(entry, T.animal)) return "animal";
      // Someone's home or car: a threat to them.
      if (w(entry, T.place)) return possessor === "second" || possessor === "person" ? possessor : "place";
      // Someone's food or car: "poison his coffee" is aimed at him. Abstract things are not.
      if (w(entry, T.thing)) {
        if (abstractThings.has(word)) return "none";
        return possessor === "person" || possessor === "second" ? possessor : "none";
      }
      if (w(entry, T.determiner) || w(entry, T.particle)) continue;
      break;
    }
    return possessor === "person" ? "person" : "none";
  }

  /** Who a passive act ("should be shot") is aimed at: the subject before the modal. */
  targetBefore(index: number): Target {
    for (let position = index - 1; position >= this.start; position -= 1) {
      const entry = this.analysis.entries[position];
      if (!entry) continue;
      if (this.isGroup(position)) return "group";
      if (w(entry, T.second)) return "second";
      if (w(entry, T.person) || w(entry, T.third))
        return generic.has(this.word(position)) ? "people" : "person";
      if (w(entry, T.animal)) return "animal";
    }
    return "none";
  }
}

/** The clauses of an analysis that hold a word that can make them harmful, in order. */
export function triggeredClauses(analysis: Analysis): Clause[] {
  const clauseCount = analysis.clauses.length - 1;
  let count = 0;
  for (let index = 0; index < clauseCount; index += 1) if (analysis.triggered[index]) count += 1;
  // One array of sums for the clauses the rules read, and none for the rest.
  const totals = new Float64Array(count * tags.length);
  const clauses: Clause[] = [];
  for (let index = 0; index < clauseCount; index += 1) {
    if (!analysis.triggered[index]) continue;
    const start = analysis.clauses[index]!;
    const end = analysis.clauses[index + 1]!;
    const offset = clauses.length * tags.length;
    for (let position = start; position < end; position += 1) {
      const entry = analysis.entries[position];
      if (!entry) continue;
      const { ids, values } = entry;
      for (let tag = 0; tag < ids.length; tag += 1) {
        const slot = offset + ids[tag]!;
        totals[slot] = totals[slot]! + values[tag]!;
      }
    }
    clauses.push(new Clause(analysis, start, end, analysis.questions[index] ?? false, totals, offset));
  }
  return clauses;
}
