// The lexicon's abuse: insults, harassing phrases, slurs, words that dehumanise a group, sexual terms
// and the ages and words that mark a minor, with the contexts (sex education, talk about a word) that
// make them harmless.
import type { Lexicon } from "./harm-lexicon.ts";

export function addAbuse(lexicon: Lexicon): void {
  lexicon
    .nouns(
      `cunt whore slut retard bitch motherfucker dickhead asshole bastard twat wanker scumbag moron idiot
        imbecile dumbass loser jackass douchebag douche prick shithead dipshit cocksucker numbnut halfwit
        nitwit cretin simpleton skank`,
      { insult: 2 },
    )
    .words("worthless pathetic dumbest stupidest ugliest", { insult: 2 })
    .words("dumber stupider uglier fatter talentless", { insult: 1.5 })
    .words("creepy", { insult: 1 })
    .words("fired homeless cancer lonely miserable bankrupt", { misfortune: 1 })
    .phrases("talentless hack, iq of a, the iq of", { insult: 2 })
    .phrases("box of rocks, bag of hammers", { insult: 2 })
    .phrases(
      `piece of shit, piece of garbage, piece of trash, waste of oxygen, waste of space, waste of skin, son
        of a bitch, good for nothing, brain dead, sack of shit`,
      { insult: 2 },
    )
    .nouns(
      `pig cow clown freak coward creep jerk fool slob weirdo psycho failure troglodyte nerd troll
        hypocrite dork disgrace sheep fatso braindead crybaby pervert bum`,
      {
        insult: 1,
      },
    )
    .words(
      `stupid dumb ugly fat lazy disgusting spineless useless incompetent trash garbage smelly brainless
        clueless ignorant embarrassment mistake hideous gross annoying scum fattest retarded`,
      { insult: 1 },
    )
    .phrases(
      `shut up, shut your mouth, stfu, gtfo, fuck you, fuck off, screw you, go to hell, get lost, nobody
        likes you, no one likes you, nobody loves you, nobody will ever love you, no one will ever love you,
        everyone hates you, everybody hates you, nobody would miss you, no one would miss you, nobody wants
        you, no one wants you, nobody likes her, nobody likes him, go cry, you suck, drop dead, i hate you,
        laugh at you, you disgust me, get out of my face, nobody dates you, nobody cares about you, no one
        cares about you, get a life, you have no friends, with no friends, you have no life, crawl back
        under, go crawl back, rot in hell, burn in hell, go die in a hole, you make me sick, no wonder
        nobody, no wonder no one, you are a joke, you are such a joke, disgrace to humanity, bag of dicks,
        eat a dick, suck a dick, imagine being, eat shit, go away loser, nobody asked, your face is`,
      { harass: 2 },
    )
    .words("kys", { harass: 2 })
    .words(
      `nigger niggers kike kikes spic spics wetback wetbacks chink chinks gook gooks raghead ragheads
        towelhead towelheads beaner beaners coon coons dyke dykes fag fags faggot faggots tranny trannies
        sandnigger zipperhead gyppo`,
      { slur: 2 },
    )
    .words("paki pakis", { slur: 2 })
    .words("nigga niggas jap japs retards", { slur: 1 });
  addHate(lexicon);
  addSexual(lexicon);
  addProfanity(lexicon);
}

function addHate(lexicon: Lexicon): void {
  const weights: Record<string, string> = {
    "2": `parasite parasites vermin cockroaches savages subhuman filth scum leeches invaders monkeys apes
      perverts abomination inferior rapists terrorists uncivilized degenerate degenerates groomers predators
      pedophiles paedophiles abominations`,
    "1.5": `rats animals savage disease plague filthy pigs freaks stupid lazy thieves criminals brainwashed idiots
      useless burden stink barbaric evil invading disgusting bitches whores retarded vile`,
    "1": `cancer dirty trash garbage dogs smell ruining destroying invasion banned broken ugly smelly greedy
      hysterical emotional sick perverted deviant diseased primitive backward unintelligent dishonest liars
      sneaky untrustworthy violent thugs beasts snakes weak devil devils dangerous`,
  };
  for (const [weight, list] of Object.entries(weights)) lexicon.words(list, { dehumanize: Number(weight) });
  lexicon
    .phrases(
      `control the banks, control the media, control the world, belong in the kitchen, too stupid, can not
        be civilized, not human, less than human, breed like, do not belong, drug dealers, need to be fixed,
        needs to be fixed, should not be allowed, shouldn't be allowed, be thrown out, thrown out of, be
        deported, be locked away, locked away, stay in their own country, go back to, mentally ill, never
        amount to, all the same, a burden, ruining the, ruin everything, deserve to be mocked, only good
        for, the problem with, children of the devil, religion of violence, naturally violent, are behind
        every, behind every war, behind all the wars, just objects, be locked up, need to be locked up, a
        drain on, drain on society, can not be trusted, can not govern, too emotional, any more of those,
        responsible for all, to blame for, *kick out, kicked out, a waste of, waste of money, waste of
        space, control hollywood, control the government, control everything, run the world, men in dresses,
        not real women, not real men, be cured, need therapy, can not handle, should not vote, should not
        work, should not be trusted, steal our jobs, taking our jobs, take our jobs, by nature, genetically
        inferior, less intelligent, belong in`,
      { dehumanize: 1.5 },
    )
    .verbs("hate despise loathe", { hateVerb: 1 })
    .verbs("bully humiliate mock harass demean shame ridicule cyberbully belittle", { harass: 1 })
    .phrases("can not stand", { hateVerb: 1 })
    .words("word term slur offensive definition meaning etymology", { meta: 1 })
    .verbs("translate", { quote: 1 })
    .words("lol lmao lmfao rofl jk haha hahaha kidding joking", { joke: 1 })
    .phrases("just kidding, i am fine, i am ok", { joke: 1 })
    .words("translation lyrics", { quote: 1 })
    .phrases("how do you say, how would you say, what does it mean, into french, into spanish, into german", {
      quote: 1,
    })
    .phrases(
      `called me, call me, calls me, told me i, i am a, i am an, i am such a, i am such an, i feel like an,
        i feel like a, i am being, i am the biggest, call myself, i am just, i am really, i was, i am so, me
        a, me an, say instead, instead of saying, is it offensive, do not be an, do not be a, do not be
        such, stop being a, stop being an, stop being such`,
      { meta: 1 },
    );
}

function addSexual(lexicon: Lexicon): void {
  const weights: Record<string, string> = {
    "2": `porn porno pornography pornographic xxx hentai blowjob blowjobs handjob cumshot orgasm orgasms horny
      threesome orgy milf dildo deepthroat creampie gangbang boner nudes jailbait`,
    "1.5": "erotic erotica sexting cum cybersex camgirl cock pussy tits titties boobs",
    "1": `sex sexy naked nude dick penis vagina clit clitoris moan moans moaned moaning thrust thrusting lick
      licking licked suck sucking sucked steamy seduce seductive lingerie aroused arousal semen intercourse
      panties kinky fetish escort hooker prostitute explicit masturbation erection onlyfans hardcore smut
      lewd`,
    "0.5": "fuck fucked fucks slut whore naughty sexual sexually stripper dirty ass bdsm nsfw",
    "0.3": "fucking sperm",
  };
  for (const [weight, list] of Object.entries(weights)) lexicon.words(list, { sexual: Number(weight) });
  lexicon
    .verbs("masturbate fondle grope", { sexual: 2 })
    .verbs("strip moan thrust lick suck seduce undress", { sexual: 1 })
    .verbs("sext", { sexual: 2 })
    .phrases("rock hard, let us fuck, fuck tonight", { sexual: 2 })
    .phrases("young girls, young boys", { minor: 1 })
    .phrases(
      `take off your clothes, *touch yourself, so hard for you, hard for you, naked pics, nude photos`,
      {
        sexual: 2,
      },
    )
    .phrases(
      `bend you over, bend her over, bend me over, wet pussy, wanna fuck, alone with them, alone with her,
        alone with him`,
      {
        sexual: 1.5,
      },
    )
    .phrases("to trust me, trust me so", { sexual: 0.5 })
    .phrases("send pics, nude pics, hot girls, rode him, ride him, ride me, riding him, all night long", {
      sexual: 1,
    })
    .phrases(
      `oral sex, anal sex, *have sex, sex scene, sex tape, sexual encounter, dirty talk, *talk dirty,
        spread her legs, spread your legs, *jerk off, suck my, suck your, fuck her, fuck me, fuck him,
        fucked her, fucked him, send nudes, came hard, want to fuck, going to fuck, fuck you hard, fuck you
        so hard, fuck you all night, let me fuck, phone sex, in a sexual way, sexual way, sexually explicit,
        make her cum, make you cum, *touch myself, naked body, lap dance, *make love, sex chat, in bed with,
        sex tonight, child porn, child pornography`,
      { sexual: 2 },
    )
    .phrases("your body, barely legal, strip club", { sexual: 0.5 })
    .words(
      `education curriculum condom condoms contraception contraceptive sti stis std stds hpv vaccine
        puberty health healthy doctor medical patient symptoms infection breast breastfeeding consent
        harassment abuse assault museum painting paintings art renaissance beach beaches legal laws law
        willow crowed rooster hen bird birds feeder grayson robin gender select biology reproductive
        pregnancy pregnant fertility menstrual therapist report hotline offender trafficking anatomy cancer
        vet gland addiction addicted depression effects research studies`,
      { sexEducation: 1 },
    )
    .phrases(
      `sex education, sex ed, safe sex, sexual health, sexual harassment, sexual abuse, sexual assault, sex
        of the, age of consent, the patient's sex, where babies come from, blue tits, pussy willow`,
      { sexEducation: 2 },
    )
    .words("child children kid kids minor minors underage teen teens teenage teenager teenagers preteen", {
      minor: 1,
    })
    .words("schoolgirl schoolgirls schoolboy schoolboys loli lolicon shota jailbait freshman freshmen", {
      minor: 1,
    })
    .words("young younger daughter son stepdaughter stepson pupil pupils student students", { minor: 0.5 })
    .phrases(
      `little girl, little girls, little boy, little boys, high school, middle school, elementary school,
        child porn, child pornography, young teen, young teens, school girl, school boy`,
      { minor: 1 },
    );
}

function addProfanity(lexicon: Lexicon): void {
  lexicon.words(
    `fuck fucks fucking fucked fucker fuckers motherfucker motherfuckers shit shits shitty bullshit
      shithead asshole assholes bitch bitches bastard bastards cunt cunts dick dicks dickhead cock cocks
      pussy twat wanker piss pissed slut sluts whore whores bollocks prick douche stfu wtf fml jackass
      dumbass dipshit cocksucker goddamn`,
    { profanity: 1 },
  );
}
