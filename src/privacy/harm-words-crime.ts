// The lexicon's crime, drugs and self-harm, with the contexts that make the same words harmless:
// defence and security work, lawful purposes, medicine, and support for someone at risk.
import type { Lexicon } from "./harm-lexicon.ts";

export function addCrime(lexicon: Lexicon): void {
  lexicon
    .verbs(
      `shoplift launder smuggle counterfeit bribe embezzle defraud extort burglarize burgle carjack dox
        doxx`,
      {
        crime: 2,
      },
    )
    .verbs("steal rob forge scam phish hotwire vandalize blackmail pirate", { crime: 1.5 })
    .verbs("hijack", { crime: 2 })
    .words("stolen stole robbery burglary fraud piracy pirated forged", { crime: 1 })
    .words("hack hacks hacking", { crime: 1, intrude: 1 })
    .nouns("phishing keylogger ransomware malware spyware stalkerware botnet skimmer trojan rootkit", {
      crime: 2,
    })
    .phrases(
      `money laundering, avoid paying taxes, avoid paying tax, not pay taxes, tax fraud, fake id, fake ids,
        fake passport, fake passports, fake documents, tax evasion, evade taxes, cheat on my taxes, cheat on
        taxes, hide income, identity theft, steal an identity, steal someone's identity, insider trading,
        ponzi scheme, credit card numbers, stolen credit cards, clone a credit card, clone credit cards,
        clone a card, brute force, ddos, dos attack, bypass the paywall, crack the license, license check,
        fake reviews, human trafficking, sex trafficking, dark web, darknet market, counterfeit money, fake
        money, fake bills, 20 dollar bills, card details, stolen logins`,
      { crime: 1.5 },
    )
    .phrases("pick a lock, picking a lock, lock picking, lockpicking", { crime: 0.8 })
    .phrases(
      `fake charity, login details, login credentials, bank details, fake bank, *sneak into, spike someone
        's drink, spike her drink, spike his drink, spike a drink, hit and run, bypass a breathalyzer, beat
        a breathalyzer, home address of, find where she lives, find where he lives, fake doctor 's note,
        fake note, fake sick note, fake diploma, fake degree, fake certificate, fake license, fake licence,
        fake invoice, fake receipt, fake prescription, fake insurance claim, fake check, fake cheque, forge
        a signature, forge signatures, counterfeit goods, fake designer, sell fake, selling fake, knockoff
        designer, replica designer, trick someone into, manipulate someone into, con someone into, social
        engineering`,
      { crime: 1.5 },
    )
    .verbs("cheat", { crime: 0.5 })
    .words("fake", { crime: 0.5 })
    .verbs("access unlock monitor track", { intrude: 0.5 })
    .nouns(
      `account email inbox phone password message text dm laptop computer icloud instagram facebook
        snapchat whatsapp gmail tiktok location webcam camera database server network system website`,
      { account: 1 },
    )
    .words("noticing notice knowing finding seeing catching suspecting hearing realising realizing", {
      notice: 1,
    })
    .phrases("find out, finding out", { notice: 1 })
    .phrases(
      `*hack into, *break into, *get into, *log into, *spy on, *snoop on, *access someone, read her texts,
        read his texts, read her messages, read his messages, her text messages, his text messages, *track
        her phone, *track his phone, her password, his password, someone's password, someone else's, her
        account, his account, her email, his email, her phone, his phone`,
      { intrude: 1 },
    )
    .words("meth methamphetamine cocaine heroin fentanyl mdma ecstasy lsd ketamine ghb dmt pcp crack", {
      drug: 1.5,
    })
    .words(
      `weed marijuana cannabis oxycodone oxy opioids opiates xanax shrooms molly drugs narcotics adderall
        ritalin vicodin percocet codeine morphine tramadol valium benzos steroids`,
      {
        drug: 1,
      },
    )
    .words("painkillers pills", { drug: 0.5 })
    .phrases("crystal meth, crack cocaine, magic mushrooms, get high, getting high, date rape drug, roofie", {
      drug: 2,
    })
    .verbs(
      `make build assemble construct cook synthesize synthesise manufacture produce brew print convert`,
      {
        make: 1,
      },
    )
    .verbs("craft mix extract distill grow prepare refine", { make: 1 })
    .words("made built homemade recipe", { make: 1 })
    .phrases("3d print, home lab, at home", { make: 0.5 })
    .verbs("buy purchase obtain acquire order source sell smuggle sneak score ship get find", { acquire: 1 })
    .words("bought sold got", { acquire: 1 })
    .verbs(
      `prevent protect defend detect spot recognise recognize identify secure safeguard mitigate patch fix
        report train stop`,
      { defence: 1 },
    )
    .words(
      `prevention protection defense defence detection victim awareness penalty penalties law laws illegal
        history documentary why`,
      { defence: 1 },
    )
    .phrases(
      `been hacked, was hacked, got hacked, so i can, does it work, do they work, does this work, is it
        legal, is it illegal, how does, how do antivirus, work and how, how did, the history of`,
      { defence: 1 },
    )
    .words("legally legal licensed lawful hobby ctf authorised authorized pentest", { lawful: 1 })
    .phrases(
      `my own, with permission, penetration test, bug bounty, own practice, practice locks, my own account,
        for a class, for school, for research`,
      { lawful: 1 },
    );
}

export function addSelfHarm(lexicon: Lexicon): void {
  lexicon
    .phrases(
      `*kill myself, *end my life, *end it all, *take my own life, *take my life, *commit suicide, *cut
        myself, *hurt myself, *harm myself, *hang myself, *shoot myself, *slit my wrists, *cut my wrists,
        *starve myself, *make myself throw up, *make myself sick, *burn myself, *drown myself, *poison
        myself, *stab myself, *overdose on, want to die, wanna die, better off dead, do not want to live, do
        not want to be alive, do not want to be here, no reason to live, not worth living, sleep forever,
        never wake up, end my suffering, i will be gone, want it to be over, want it all to be over, want it
        to end, want it all to end, want everything to end, tired of living, tired of life, done with life,
        wish i was dead, wish i were dead, wish i could die, better off without me, would care if i died, if
        i died, reason to live, nothing to live for, do not want to wake up, *swallow all my pills, took all
        my pills, *take all my pills, can not live like this, *cut my arms, *cut my legs, *cut my thighs,
        *burn my arms, *burn my legs, *burn my skin, *carve into my, cut wrist, cut wrists, can not go on,
        *jump off the, *jump off a, *jump in front of, *throw up after, *purge after, bmi under, under 40
        kg, pro ana, thinspiration, self harm, self harming, self injury, *end me, *use it on myself, *turn
        the gun on myself, *cut themselves, *kill themselves, *hurt themselves, *harm themselves, *starve
        themselves, stop existing, cease to exist, *drive my car into, *jump off my, too many pills, pills
        on purpose, *end my pain, *end the pain, bleed a lot, make it bleed, *make myself bleed, *crash my
        car on purpose, nobody will miss me, no one will miss me, nobody would miss me, when i am gone, i am
        ending it, suicide note, goodbye letter, goodbye letters, goodbye note, not exist anymore, tired of
        everything, disappear forever, *use the knife on myself, *use the rope on myself`,
      { selfHarm: 2 },
    )
    .words("kms unalive unaliving unalived sewerslide", { selfHarm: 2 })
    .words("suicide suicidal overdose noose thinspo proana selfharm", { selfHarm: 1 })
    .words("anorexia bulimia", { selfHarm: 0.7 })
    .phrases("eating disorder, eating disorders, binge eating", { selfHarm: 0.7 })
    .words("cutting purging purge od wrists scars relapse vein veins artery arteries", { selfHarm: 0.5 })
    .phrases(
      `kill yourself, *kill yourself, kys, go die, *hang yourself, *slit your wrists, drink bleach, *neck
        yourself, you should die, *starve yourself, end yourself, off yourself, unalive yourself, jump off a
        bridge, just do it tonight, world would be better without you`,
      { selfHarmUrge: 2 },
    )
    .phrases(
      `how many, how much, how deep, how long, how high, how far, large amounts, in large amounts, quickest
        way, fastest way, surest way, best way`,
      { quantity: 1, request: 1 },
    )
    .phrases(
      `lethal dose, most painless, painless way, least painful, a method, the method, tips to, tips for,
        guarantee death, enough to die, enough pills, is a great way, is the answer, should try it`,
      { quantity: 1 },
    )
    .words(
      `hotline lifeline helpline 988 samaritans therapist therapy counsellor counselor support supporting
        prevention rates statistics study research recovery recovered crisis awareness safe safely safety
        counselling counseling grief bereavement counsellors`,
      { support: 1 },
    )
    .phrases(
      `warning signs, the signs, years ago, doing better, much better now, why do people, why do some
        people, how can parents, report found, helped me stop, stopped self harming, clean for, seek help,
        get help, reach out, if you are having, how can i help, how can i support, talk to someone, my
        friend, a friend, someone who, thoughts of suicide, assisted dying, suicide rates`,
      { support: 1 },
    );
}
