"""Fictional sentences for the synthetic focus-group transcripts.

Written for this project; no sentence quotes or paraphrases a real participant. Each
child code of the default codebook has several sentences that voice it; ``FILLER`` turns
voice no theme; ``PROMPTS`` are the facilitator's questions. A codebook with other codes
falls back to ``GENERIC`` sentences built from the code's name.
"""

from __future__ import annotations

SENTENCES = {
    "tracking_progress": [
        "When I look at the scores week by week I can actually see whether things are moving.",
        "The graph shows me progress I might have missed if I only went on my impression.",
        "Having the numbers each week gives a record of change that is not just my opinion.",
    ],
    "spotting_deterioration": [
        "Once a score jumped and it told me something had gone wrong at school that week.",
        "The measures flagged that she was getting worse before she said anything to me.",
        "It is an early warning, you notice a dip you would otherwise only see much later.",
    ],
    "evidence_for_decisions": [
        "When we review whether to carry on, the data give us something solid to decide with.",
        "I have used the scores to argue for more sessions, it is evidence and not a hunch.",
        "It helps in supervision because you can point at what has actually changed.",
    ],
    "shared_review": [
        "We go through the answers together at the start and it sets the agenda for the session.",
        "Looking at the chart side by side with the young person feels like working as a team.",
        "I show them the graph and ask what they make of it, and we talk it through together.",
    ],
    "agreeing_goals": [
        "The goal measures mean we agree at the start what we are both working towards.",
        "We pick the goals together and then rate them, so the family knows what we are aiming for.",
        "It makes the contract of therapy clearer, we both know what success would look like.",
    ],
    "young_person_voice": [
        "Some teenagers will tick a box about self-harm that they would never say out loud.",
        "The questionnaire gives quieter young people a way of telling me how bad it is.",
        "A lad I saw wrote things on the form that opened up a conversation we had not managed.",
    ],
    "seeing_own_change": [
        "When they see the line going down they realise they have done that themselves.",
        "Young people like seeing their own change, it shows them they are getting somewhere.",
        "Showing a child their chart can be really powerful, they can see how far they have come.",
    ],
    "motivation": [
        "Seeing a small improvement keeps families going when therapy feels like hard work.",
        "The scores can motivate a young person to keep practising between sessions.",
        "Parents get encouraged when the numbers show things moving in the right direction.",
    ],
    "ownership": [
        "It puts the young person in charge of saying how things are, not me or the parents.",
        "They own the information, it is their rating of their week and they decide what it means.",
        "It hands some control back to the young person over how their progress is judged.",
    ],
    "time_pressure": [
        "With fifty minutes and a crisis in the room, ten minutes of forms is a lot to lose.",
        "Doing the measures eats into the time we actually have for therapy.",
        "By the time the forms are done and scored the session is half gone.",
    ],
    "relationship_strain": [
        "Asking a distressed teenager to fill in a form can feel cold, like you are not listening.",
        "I worry it makes me look like I care more about the paperwork than about them.",
        "Early on, before there is trust, the questionnaires can get in the way of the relationship.",
    ],
    "session_flow": [
        "You have a young person who walks in ready to talk and you stop them to do a form.",
        "It interrupts the flow, you lose the thread of what they came in wanting to say.",
        "The measures break up the session in a way that feels artificial.",
    ],
    "burden_on_young_person": [
        "Some young people are just sick of filling in the same questions every week.",
        "For a child who struggles with reading, the forms every session are a real burden.",
        "They start ticking anything just to get it over with, which tells you they are fed up.",
    ],
    "performance_management": [
        "My worry is the data end up in a spreadsheet that managers use to rank the team.",
        "It feels like the numbers are collected for performance management, not for the young person.",
        "You hear about services using outcome data to decide whose contracts get renewed.",
    ],
    "judging_clinicians": [
        "If my cases do not improve on paper, does that mean I will be seen as a bad therapist.",
        "Some of my most complex young people will never show change, and I will be judged on that.",
        "There is an anxiety that the scores become a verdict on the clinician.",
    ],
    "misinterpretation": [
        "A score going up can mean the young person finally trusts you enough to be honest.",
        "Numbers taken out of context can be read completely wrongly by people outside the room.",
        "Commissioners might see a flat line and not understand the work that went into holding it.",
    ],
}


FILLER = [
    "I think it really depends on the young person and what they come in with.",
    "That is a good point, I had not thought about it that way.",
    "In our team we have only just started using them, so it is early days.",
    "I suppose I am still making my mind up about it.",
    "We had some training last year but it was quite short.",
    "I agree with what was said, it varies a lot from case to case.",
    "It is different in the eating disorders team, they have their own measures.",
    "Sorry, could you say the question again?",
]


PROMPTS = [
    "What is your experience of using outcome measures every session?",
    "What do you see as the benefits, if any?",
    "What worries you about session-by-session measurement?",
    "How do young people and families respond to the measures?",
    "How do you think the service uses the information?",
    "Is there anything that would make it work better for you?",
]


GENERIC = [
    "One thing I notice is {label}, that comes up for me a lot.",
    "For me it is about {label}, in quite a few of my cases.",
    "I would say {label} is part of it, from what I have seen.",
]


PREAMBLE = (
    "SYNTHETIC TRANSCRIPT - fictional focus group generated by camhs_rom (seed {seed}).\n"
    "It is not data from James et al. (2015); no real person is quoted or described.\n"
    "Focus group {group}; speakers: Facilitator, {participants}.\n\n"
)
