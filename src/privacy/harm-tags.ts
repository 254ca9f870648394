// The concepts (tags) of the built-in harm classifier's lexicon, and the compiled entry every word and
// phrase of it becomes.

/**
 * Concepts the rules reason with. A word carries a weight per tag (1 unless said otherwise); the
 * rules combine concepts (who, does what, to whom, with which intent) rather than match sentences.
 */
export const tags = [
  // People and things a harmful act can be aimed at.
  "first", // I, we: the speaker as subject
  "self", // me, myself, us: the speaker as object
  "selfPossessive", // my, our
  "second", // you, yourself
  "secondPossessive", // your
  "third", // he, him, she, they, them
  "thirdPossessive", // his, her, their
  "person", // people, someone, wife, boss, neighbour, ...
  "group", // a protected group: immigrants, Muslims, Jews, gays, ...
  "groupAdjective", // black, gay, trans, ...: a group when followed by a person noun
  "animal",
  "body", // a body part: throat, skull, legs, ...
  "place", // school, mosque, office: a target of attacks and arson
  "thing", // a target that is no one: process, thread, time, photo, eggs
  "determiner", // skipped between a verb and its object: the, a, every, whole, ...
  "particle", // up, down, out, off
  "preposition", // ends the search for an object: for, at, in, with, to
  "negation",
  "copula", // is, are, was
  "question", // a clause that opens with it is a question, not an order
  // Modality: what makes a harmful act a threat, a call or a wish rather than a report.
  "intent", // will, going to, want to, plan to
  "should", // should, deserves, must
  "wish", // hope, wish
  "request", // how do I, best way to, teach me: asking how to do something
  "compose", // write, generate: asking for a text, whose words are then read as said
  "promote", // encourage, glorify: a text asked to praise what it names
  // Violence.
  "harm", // kill (2), hurt (1), ...: needs a target to mean anything
  "massHarm", // bomb, shoot up, burn down: aimed at places as well as people
  "die", // die, dead: "you will die", "should die"
  "weapon",
  "massWeapon", // explosives, chemical weapons: making one is illicit/violent
  "contraband", // ghost guns, silencers, full auto conversions
  "threat", // phrases that are threats by themselves: "watch your back"
  "stealth", // "without getting caught", "undetected"
  "coverUp", // "look like an accident", "dispose of a body"
  "enjoy", // fun, glorious, hero: violence celebrated
  "suffer", // suffer, beg, scream
  "violentAct", // massacre, shooter, bombing: nouns of violence
  "gore",
  "game", // games, sport and fiction, where violence is pretend
  "report", // news, history, courts: violence reported, not done
  "medical", // surgery, patients, symptoms
  // Crime, drugs, self-harm, sex.
  "crime",
  "intrude", // get into, hack into, spy on: someone else's account or home
  "account", // an account, a phone, messages: what intruders get into
  "notice", // noticing, knowing, finding out: "without the teacher noticing"
  "drug",
  "make", // make, build, synthesise
  "acquire", // buy, get, sell, smuggle
  "defence", // prevent, detect, protect: a question asked to defend
  "lawful", // legally, licensed: a lawful purpose
  "selfHarm",
  "selfHarmUrge", // kill yourself, kys: urging someone else
  "quantity", // how many, how deep, most painless: asking for a method
  "support", // hotline, therapist, warning signs: care, not harm
  "idiom", // a phrase that takes the violence out of its words: "kill time"
  "sexual",
  "sexEducation",
  "minor",
  "age", // a number token that may be an age
  // Harassment and hate.
  "insult",
  "harass", // shut up, nobody likes you
  "dehumanize", // vermin, parasites, subhuman
  "slur",
  "hateVerb", // hate, despise
  "meta", // "the word", "called me": talk about an insult, not one
  "quote", // translate, "how do you say": words quoted, not meant
  "joke", // lol, jk: said in jest
  "misfortune", // fired, homeless, cancer: what a hateful wish wishes
  "injection", // ignore, reveal, jailbroken: words prompt-injection patterns need
  "profanity",
] as const;

export type Tag = (typeof tags)[number];

export type Weights = Readonly<Partial<Record<Tag, number>>>;

/** Each tag's index: rules read `T.harm` rather than a string, so every read is a plain array load. */
export const T = Object.freeze(Object.fromEntries(tags.map((tag, index) => [tag, index]))) as {
  readonly [K in Tag]: number;
};

/**
 * A word's or phrase's weights, made once. Every entry has the same shape and holds its weights in a
 * typed array, so reading them stays fast however many kinds of words there are.
 */
export interface Entry {
  readonly weights: Float32Array;
  /** The tags it carries and their weights, for summing. */
  readonly ids: readonly number[];
  readonly values: readonly number[];
  /** Carries a tag that can make a clause harmful, so the clause is worth the rules' time. */
  readonly trigger: boolean;
  readonly profanity: boolean;
}

/** The entry's weight for a tag; 0 for no entry. */
export function w(entry: Entry | undefined, tag: number): number {
  return entry ? entry.weights[tag]! : 0;
}

/** Tags that make a clause worth analysing; grammar alone (the, is, you) never does. */
const triggers = new Set<Tag>([
  "harm",
  "massHarm",
  "die",
  "weapon",
  "massWeapon",
  "contraband",
  "threat",
  "stealth",
  "coverUp",
  "enjoy",
  "suffer",
  "violentAct",
  "gore",
  "crime",
  "intrude",
  "drug",
  "selfHarm",
  "selfHarmUrge",
  "sexual",
  "insult",
  "harass",
  "dehumanize",
  "slur",
  "group",
  "groupAdjective",
  "hateVerb",
  "misfortune",
]);

/** Turns weights into an entry. */
export function compileEntry(weights: Weights): Entry {
  const vector = new Float32Array(tags.length);
  const ids: number[] = [];
  const values: number[] = [];
  let trigger = false;
  for (const [tag, weight] of Object.entries(weights) as Array<[Tag, number]>) {
    vector[T[tag]] = weight;
    ids.push(T[tag]);
    values.push(weight);
    trigger ||= triggers.has(tag);
  }
  return { weights: vector, ids, values, trigger, profanity: (weights.profanity ?? 0) > 0 };
}
