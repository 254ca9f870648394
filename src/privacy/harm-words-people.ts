// The lexicon's grammar and people: pronouns, person nouns, protected groups, things that are no one,
// and the small words (determiners, modals, negation) the rules read intent and targets from.
import type { Lexicon } from "./harm-lexicon.ts";

const personNouns = `
  person human someone somebody anyone anybody everyone everybody man guy dude bro lady gentleman girl boy
  kid child baby toddler teen teenager adult wife husband boyfriend girlfriend partner spouse fiance fiancee
  ex mom mum mother dad father stepdad stepmom stepfather stepmother parent brother sister son daughter
  uncle aunt cousin grandma grandmother grandpa grandfather nephew niece family neighbour neighbor roommate
  flatmate housemate friend classmate schoolmate coworker colleague boss manager supervisor employer
  employee landlord tenant teacher professor principal student pupil coach referee cop officer policeman
  policewoman soldier guard judge juror lawyer prosecutor witness senator congressman congresswoman
  president politician mayor governor minister king queen priest pastor imam rabbi doctor nurse cashier
  driver customer client stranger victim hostage prisoner inmate bully beggar passenger pedestrian tourist
  ceo executive journalist reporter celebrity influencer streamer candidate voter protester worker dealer
  rival enemy opponent traitor snitch jury bitch bastard idiot moron loser whore slut cunt fag faggot retard
  asshole dickhead nerd freak race community`;

/**
 * Protected groups. The plural names the group ("Muslims are ..."); the singular is read as one only
 * where no ordinary noun follows it ("every Muslim", but not "Chinese food").
 */
const groupNouns = `
  immigrant migrant refugee foreigner muslim moslem jew christian catholic hindu sikh buddhist atheist
  mormon gay lesbian homosexual tranny transgender transsexual african asian arab mexican latino latina
  hispanic indian pakistani gypsy gipsy jap nigger nigga kike spic wetback chink gook paki raghead towelhead
  beaner coon dyke illegal female feminist palestinian israeli pole russian ukrainian nigerian somali syrian
  afghan iraqi iranian turk korean filipino`;
const groupPlurals = groupNouns
  .split(/\s+/)
  .filter(Boolean)
  .map((noun) => (noun.endsWith("y") && noun !== "gay" ? `${noun.slice(0, -1)}ies` : `${noun}s`));

export function addPeople(lexicon: Lexicon): void {
  lexicon
    // Read by name in the rules: openers of orders, ages, "calling someone a ...".
    .known("without open")
    .known(
      `go just then and please now so also ok okay come first quickly simply calling call aged age year
        years yr yrs`,
    )
    .words("i we", { first: 1 })
    .words("me myself us ourselves", { self: 1 })
    .words("my our mine", { selfPossessive: 1 })
    .words("you yourself yourselves thee", { second: 1, person: 1 })
    .words("your yours", { secondPossessive: 1 })
    // "ur" is "your" or "you're": both aim at the reader.
    .words("ur", { second: 1, secondPossessive: 1, person: 1 })
    .words("he him she they them himself herself themselves", { third: 1, person: 1 })
    .words("his her their", { thirdPossessive: 1, person: 1 })
    .nouns(personNouns, { person: 1 })
    .words("men women children people folks kids guys families staff", { person: 1 })
    .phrases("every one of, each one of, all of, one of, any of, some of, the rest of, both of, each of", {
      determiner: 1,
    })
    .words(groupPlurals.join(" "), { group: 1 })
    .words(groupNouns, { groupAdjective: 1 })
    .words("jews gays women blacks roma infidels kuffar heathens zionists queers", { group: 1 })
    .words("chinese japanese irish vietnamese polish", { groupAdjective: 1 })
    .words(
      `jewish islamic arabic african asian gay lesbian trans queer black white brown disabled autistic`,
      {
        groupAdjective: 1,
      },
    )
    .words("muslim christian hindu mexican chinese indian arab latino jewish immigrant", {
      groupAdjective: 1,
    })
    .phrases(
      `black people, white people, gay people, trans people, disabled people, autistic people, jewish
        people, asian people, chinese people, indian people, brown people, the disabled, the gays, the jews,
        the blacks, trans women, trans men, the trans community, people of colour, people of color, the
        muslims, those people from`,
      { group: 1 },
    )
    .words("the a an this that these those every each all any some one whole entire own little old poor", {
      determiner: 1,
    })
    .words("'s two three few many more most other such fucking damn stupid bloody lil very so", {
      determiner: 1,
    })
    .words("up down out off over away", { particle: 1 })
    .words("for at in on with to into from about by as like than through than if when while because", {
      preposition: 1,
    })
    .words("not never no cannot nor without", { negation: 1 })
    .words("is are am was were be been being", { copula: 1 })
    .words(
      `what why when where who whom whose which is are do does did can could would should will has have`,
      {
        question: 1,
      },
    )
    .nouns("dog puppy pup cat kitten kitty pet animal horse pony hamster rabbit bunny parrot", { animal: 1 })
    .nouns(
      `process thread job task server app application program script session bug issue ticket time mood
        vibe battery engine light power weed bacterium bacteria virus germ fly flies mosquito pest insect
        ant cockroach lobster dragon zombie monster alien photo picture pic video shot scene movie film
        email message text goal gym egg cream garlic onion potato chicken ball balloon branch commit merge
        contract deal plan idea competition presentation interview exam test it pizza curry burger food
        sandwich dinner lunch breakfast cake meal drink beer noise music song radio tv lamp candle fire
        cigarette fork plate glass problem python java javascript docker kubernetes linux ubuntu windows
        chrome firefox excel git github npm bash terminal shell vim android iphone container bottleneck
        budget cost price deadline leak memory loop query table column row record file folder page tab
        window node element component class function method container pod instance replica database cache
        queue connection socket port signal link`,
      { thing: 1 },
    )
    .nouns(
      `school office workplace church mosque synagogue temple mall house home car building station airport
        concert parliament capitol clinic hospital campus classroom stadium festival parade embassy
        restaurant bar club store shop supermarket subway train bus plane party wedding rally protest
        courthouse precinct`,
      { place: 1 },
    )
    .phrases("town hall, police station, water supply, power grid, city hall, gay bar, the crowd", {
      place: 1,
    });
}

export function addModality(lexicon: Lexicon): void {
  lexicon
    .words("will shall must gotta", { intent: 1 })
    .verbs("want plan intend swear promise decide", { intent: 1 })
    .phrases(
      `going to, about to, ready to, fixing to, need to, needs to, got to, have to, has to, would love to,
        would like to, can not wait to, next time, let us, i am coming, i am bringing, i am getting, i will
        make sure, planning on, when i get, when i see, when i find, mark my words`,
      { intent: 1 },
    )
    .words("should ought deserve deserves deserved shoulda", { should: 1 })
    .phrases("needs to be, need to be, has to be, must be, have to be, ought to be, it is time to", {
      should: 1,
    })
    .verbs("hope wish pray", { wish: 1 })
    .phrases("would be better if, would be better off if, better off if, would be a better place if", {
      wish: 1,
    })
    .words("how", { request: 1 })
    .phrases(
      `can i, could i, should i, do i, would i, can we, could we, do we, can you, could you, can one, best
        way, easiest way, quickest way, fastest way, simplest way, cheapest way, safest way, best place,
        best method, best time, best website, best site, which website, what website, which site, best place
        to buy, where to buy, any links, links to, best source, most effective way, any way, ways to, where
        can, where do, where to, where should, teach me, show me, tell me, give me, help me, explain how,
        walk me through, write me, i need a, step by step, instructions for, instructions on, instructions
        to, a guide, a tutorial, tips for, tips on, tips to, what is the best, what's the best, what do i
        need, what would it take`,
      { request: 1 },
    )
    .verbs("write generate create draft code compose produce develop design", { compose: 1 })
    .phrases("make up, come up with", { compose: 1 })
    .verbs("explain outline provide teach demonstrate instruct detail", { request: 1 })
    .verbs("describe suggest list", { request: 0.6 })
    .nouns("instruction guide tutorial recipe method technique strategy procedure step", { request: 1 })
    .words("advice", { request: 1 })
    .verbs("encourage promote glorify celebrate praise romanticize romanticise", { promote: 1 })
    .words("glorifying encouraging promoting", { promote: 1 });
}
