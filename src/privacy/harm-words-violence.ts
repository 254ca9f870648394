// The lexicon's violence: harmful acts and their strength, weapons, threats, gore, and the idioms and
// settings (games, news, cooking) where the same words hurt no one.
import type { Lexicon } from "./harm-lexicon.ts";

export function addViolence(lexicon: Lexicon): void {
  lexicon
    .verbs(
      `kill murder slaughter massacre assassinate behead decapitate strangle suffocate smother stab slit
        lynch torture rape mutilate dismember maim disembowel exterminate annihilate eradicate butcher
        execute kidnap abduct castrate bludgeon crucify electrocute impale shoot drown poison slay murk gut`,
      { harm: 2 },
    )
    .words("shot slew slain", { harm: 2 })
    .verbs(
      `hurt harm injure hit punch kick slap beat batter bash smash break crack choke attack assault stomp
        cut burn hunt jump torch whip flog rip tear gouge pound stone wound strike headbutt bite cripple
        smack pummel shove knife hang gas starve knock shank wipe`,
      { harm: 1 },
    )
    .words("beaten broke broken bitten struck hung burnt threw", { harm: 1 })
    .phrases(
      `*beat up, *beat the hell out of, *beat the shit out of, *beat the crap out of, *kick the shit out
        of, *knock the teeth out of, *gun down, *run over, *knock out, *rough up, *wipe out, *pistol whip,
        *cave in, *drop a bomb on, *drop bombs on, *open fire on, *open fire at, *throw acid on, *throw acid
        at, *shoot at, *take a knife to, *take a bat to, *rip out, *tear out, *gouge out, *take up arms
        against, *take up arms, *put a bullet in, *put in camps, *put in concentration camps, *send to the
        gas chambers, *put a knife in, *curb stomp, *finish off, *snap the neck of`,
      { harm: 2 },
    )
    .phrases(
      `run him over, run her over, run them over, run you over, ran him over, ran her over, running him
        over`,
      { harm: 2, third: 1, person: 1 },
    )
    .phrases("*shoot up, *blow up, *burn down, *set fire to, *set on fire, *firebomb, *nuke, *bomb", {
      harm: 2,
      massHarm: 1,
    })
    .words("bomb bombs bombed bombing torch torched attack attacked poison poisoned poisoning", {
      massHarm: 1,
    })
    .verbs("burn torch", { massHarm: 1 })
    .words("die dies died dying dead death deadly fatal", { die: 1 })
    .nouns(
      `knife blade machete axe hatchet sword gun pistol handgun rifle shotgun firearm revolver glock uzi
        bullet bat crowbar hammer taser acid rope chainsaw razor shiv switchblade weapon cyanide arsenic`,
      { weapon: 1 },
    )
    .words("knives ammo ammunition ar15 ak47 poison fists", { weapon: 1 })
    .nouns(
      `bomb explosive grenade dynamite tnt c4 ied molotov napalm thermite landmine detonator ricin sarin
        anthrax semtex tatp bioweapon flamethrower`,
      { weapon: 1, massWeapon: 1 },
    )
    .phrases(
      `nerve agent, nerve gas, mustard gas, chlorine gas, toxic gas, poison gas, poisonous gas, pipe bomb,
        nail bomb, car bomb, dirty bomb, suicide vest, explosive vest, chemical weapon, biological weapon,
        molotov cocktail, pressure cooker bomb`,
      { weapon: 1, massWeapon: 1 },
    )
    .words("silencer silencers suppressor suppressors untraceable", { weapon: 1, contraband: 1 })
    .phrases(
      `full auto, fully automatic, auto sear, bump stock, ghost gun, untraceable gun, 3d printed gun, zip
        gun, sawed off, sawn off, solvent trap, serial number`,
      { weapon: 1, contraband: 1 },
    )
    .phrases("3d print a gun, 3d print gun, 3d print a pistol, print a gun", {
      weapon: 1,
      contraband: 1,
      make: 1,
    })
    .phrases("the only good, one less, time to", { should: 1 })
    .phrases("wipe them out, wipe them all out, wipe you out, wipe out every", {
      harm: 2,
      third: 1,
      person: 1,
    })
    .nouns(
      `throat neck skull head face brain jaw tooth nose eye ear leg arm knee kneecap hand finger toe rib
        bone spine chest heart stomach gut belly wrist vein skin kidney liver mouth lip tongue scalp limb
        intestine ball ass thigh`,
      { body: 1 },
    )
    .words("teeth brains guts", { body: 1 })
    .phrases(
      `watch your back, i know where you live, i know where your, you are dead, your dead, you are a dead
        man, a dead man, dead man walking, you will regret, you will pay, make you pay, you will be sorry,
        your last night, your last day, your days are numbered, sleep with one eye open, you will not see it
        coming, i am coming for you, coming for you, deserves a bullet, deserve a bullet, bullet in your
        head, six feet under, i will find you, watch what happens to, you are next, pay in blood, you are
        going to die, you will die, you are gonna die, your family will, put you in the ground, make you
        disappear, disappear for good, end you, take you out, you will not see tomorrow, you are going to
        regret, find you and, watch your step, i will be waiting for you, you will never see your family,
        make it home, make it out alive, see what happens, in a wheelchair, never find your body, find your
        body, *find your body, live to see, will not live, teach you a lesson, shut you up permanently, do
        not make me come, or else you will, off the face of the earth, you will be next`,
      { threat: 2 },
    )
    .phrases(
      `make you bleed, make you suffer, make you scream, make you beg, make you die, make you regret, make
        him suffer, make him bleed, make her suffer, make her bleed, make them suffer, make them bleed, make
        them pay, make him pay, make her pay`,
      { threat: 2 },
    )
    .phrases(
      `end up in the hospital, end up in hospital, end up dead, end up in a ditch, in a body bag, in the
        morgue, your last breath, sleep with the fishes, found in a ditch, you are done for, wish you were
        dead, regret the day you were born`,
      { threat: 1 },
    )
    .phrases("or i, or we, or else i", { intent: 1 })
    .phrases(
      `bash some heads, crack some heads, cracking heads, crack some skulls, break some bones, bust some
        heads, split some heads, *drug someone, *drug her, *drug him, spike her drink`,
      { harm: 2, person: 1 },
    )
    .phrases("into a bomb, into an explosive, into a weapon", { weapon: 1, massWeapon: 1, make: 1 })
    .phrases(
      `without getting caught, without being caught, without being seen, without anyone knowing, without
        anyone noticing, without him knowing, without her knowing, without them knowing, without them
        noticing, without a trace, without leaving a trace, without leaving any marks, without leaving any
        trace, without any trace, illegally, without leaving marks, without a background check, without a
        prescription, without seeing a doctor, without a doctor, can not be traced, cannot be traced, be
        traced, untraced, no serial number, without a license, without paying, undetected, undetectable,
        untraceable, get away with, not get caught, never find out, never find it, never find the, never be
        found, wouldn't be detected, would not be detected, won't be detected, will not be detected, won't
        show up, will not show up, so nobody knows, so no one knows, cover my tracks, avoid detection, evade
        the police, evade police, avoid the police, off the books, under the table, burner phone, setting
        off the alarm, set off the alarm, triggering the alarm, trigger the alarm, without a key, without
        the key`,
      { stealth: 1 },
    )
    .phrases(
      `look like an accident, looks like an accident, look like a suicide, look like suicide, looks like
        suicide, dispose of a body, dispose of the body, get rid of a body, get rid of the body, hide a
        body, hide the body, dissolve a body, bury the body`,
      { coverUp: 1 },
    )
    .words("fun glorious hero heroes legend satisfying enjoyed enjoy laughed", { enjoy: 1 })
    .phrases(
      `best part, felt good, felt so good, feels good, feels so good, loved it, serves him right, serves
        her right, serves it right, serves them right, deserved it, deserves it, had it coming, wish more
        of, follow his example, more people should, so much fun, the bloodier the better`,
      { enjoy: 1 },
    )
    .verbs("suffer beg scream squeal writhe", { suffer: 1 })
    .phrases(
      `love watching, love seeing, enjoy watching, enjoy seeing, so entertaining, it is entertaining, is
        hilarious, so funny, fun to watch`,
      {
        enjoy: 1,
      },
    )
    .words("agony", { suffer: 1 })
    .words("isis daesh jihadist jihadists", { violentAct: 1 })
    .phrases(
      `al qaeda, al qaida, maximum casualties, mass casualties, as many people as possible, an attack on`,
      {
        violentAct: 1,
      },
    )
    .nouns("massacre shooter bomber bombing shooting killings rampage genocide pogrom lynching beheading", {
      violentAct: 1,
    })
    .phrases(
      `killing spree, mass shooting, school shooting, terrorist attack, school shooter, fight to the death,
        dog fight, dog fights, dog fighting, dogfighting, cockfighting, cock fighting, animal cruelty`,
      {
        violentAct: 1,
      },
    );
  addGore(lexicon);
  addSettings(lexicon);
}

function addGore(lexicon: Lexicon): void {
  const weights: Record<string, string> = {
    "0.3": "bloody bones chunks pouring dangling",
    "0.4": "skull bodies",
    "0.7": "organs insides",
    "0.5": "bleeding sprayed spurting",
    "0.6": "blood spilled spilling bloodier",
    "0.8": "guts brains flesh pulp rotting corpse corpses gushing",
    "1": `gore gory eyeball eyeballs maggots splattered severed mangled gouged entrails innards`,
    "1.5": "intestines decapitated beheaded dismembered mutilated disemboweled eviscerated",
  };
  for (const [weight, list] of Object.entries(weights)) lexicon.words(list, { gore: Number(weight) });
  lexicon
    .phrases(
      `torn off, ripped off, blown off, bit off, chewed off, cracked open, caved in, bleed out, bled out,
        bleeding out, eye sockets, body parts, brain matter, severed head, popped out, sticking out, burned
        off, burnt off, split open, in detail, stump, gory detail, every gory detail, cut her open, cut him
        open, pulled out her, pulled out his, ripped apart, torn apart, blown apart, pieces of flesh,
        burning flesh, torn limbs, poured out of, through his eye, through her eye`,
      { gore: 1 },
    )
    .phrases(
      `skinned alive, burned alive, burnt alive, slit open, sliced open, split her skull, split his skull`,
      { gore: 1.5 },
    )
    .phrases("*saw off, *hack off, *cut off", { gore: 1.2, harm: 1 })
    .phrases("blood and guts", { gore: 0.8 })
    .phrases("in graphic detail, in gory detail, graphic detail, gory details", { gore: 1 })
    .verbs("peel rip tear slice chop saw hack gouge skin carve", { gore: 0.3 })
    .words("exploded splattering spattered oozing", { gore: 0.5 })
    .nouns(
      `throat neck skull face jaw eye ear finger rib bone spine chest stomach wrist vein limb chin head`,
      {
        gore: 0.2,
      },
    );
}

/** Idioms and settings in which violent words are not violence. */
function addSettings(lexicon: Lexicon): void {
  lexicon
    .phrases(
      `*kill time, *kill some time, killed it, kill it, killing it, killing me, kills me, killed me,
        dressed to kill, dress to kill, knock them dead, break a leg, dying to, to die for, die for a, would
        die for, dying of, could murder a, *kill me now, *steal the show, *steal the spotlight, *steal a
        kiss, *steal a glance, *steal my heart, *steal your heart, *steal second base, *steal home, *kick
        out, *kicked out, *shoot you a, *shoot you an, *kill each other, the death of me, *cut you a, *wipe
        your tears, *wipe the floor with, *hit you with, died laughing, *die of, dying of, *shoot for,
        *shoot me, photo shoot, bath bomb, smoke bomb, seed bomb, glitter bomb, stink bomb, bomb cyclone, is
        the bomb, f bomb, photobomb, killer app, killer whale, killer deal, killer resume, killer workout,
        crash and burn, crashed and burned, dead in the water, dead ringer, drop dead gorgeous, dead tired,
        dead serious, dead end, dead battery, is dead, blow up my phone, blowing up my phone, *hit me up,
        *hit the gym, *hit the road, *hit the sack, *hit the books, *punch in, kill two birds, over my dead
        body, scared to death, bored to death, to death of, makes me want to die, make me want to die, made
        me want to die, could die of, murder mystery, kill switch, kill chain, shoot the breeze, shot in the
        dark, take a shot, give it a shot, shot glass, big shot, long shot, shoot yourself in the foot, shot
        himself in the foot, shot myself in the foot, *cut corners, cut it out, cut you some slack, cut to
        the chase, *beat around the bush, beat me to it, *beat the odds, *beat the traffic, *beat the
        deadline, break the ice, break your heart, broke my heart, break his heart, break her heart, *hang
        in there, *hang out, *hang on, blow your mind, blow you away, blown away, knock yourself out, kick
        ass, *kick off, *knock off, killer instinct, break the news, break the bank, *crack open a, *crack
        an egg, *crack the egg, *crack up, *knock on, knocked up, *hit it off, *hit the spot, *hit the nail,
        *beat it, *stab at, *take a stab, slaying it, *hit you up, *hit him up, *hit her up, *hit them up,
        *hit you with the, *hit you back, *hit you with some`,
      { idiom: 1 },
    )
    .nouns(
      `game gamer chess poker minecraft fortnite npc character quest respawn pvp fps multiplayer console
        xbox playstation nintendo dungeon paintball airsoft movie film novel story book episode series plot
        fiction thriller horror limerick poem song sonnet haiku checkers scrabble monopoly cards tennis golf
        darts pool trivia quiz race basketball football soccer baseball hockey rugby cricket volleyball
        chess comedian comedy scene villain sitcom anime manga cartoon superhero tournament opponent match
        boxer fighter wrestler ufc mma boxing wrestling karate`,
      { game: 1 },
    )
    .phrases(
      `final boss, boss fight, elden ring, call of duty, mario kart, grand theft auto, dark souls, video
        game, board game, laser tag, first person shooter, water balloon, water balloons, water gun, water
        pistol, nerf gun, snowball fight, pillow fight, in the game, in the film, in the movie, in the
        novel, in the book, in the story`,
      { game: 1 },
    )
    .words(
      `police officials reported reports court charged arrested convicted sentenced suspect suspects
        allegedly authorities investigation investigators trial history historical century war wwii ww2
        documentary news headline article survivors victims casualties prosecutors verdict`,
      { report: 1 },
    )
    .phrases("according to, were killed, was killed, was shot, were shot, was stabbed, were injured", {
      report: 1,
    })
    .words(
      `surgeon surgery incision patient patients sutured sutures clinical clinic forensic forensics
        diagnosis symptom symptoms treatment therapy medical medication dose doctor physician nurse hospital
        wound wounds laceration anatomy autopsy`,
      { medical: 1 },
    );
}
