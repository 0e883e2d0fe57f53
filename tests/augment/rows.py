"""Hand-written TL;DR rows shared by the augmentation tests."""

ROWS = [
    {"id": "a1", "subreddit": "relationships", "title": "My girlfriend Anna moved to Paris",
     "post": "Anna and I dated for 3 years in Boston. Last summer she moved to Paris for a job at Google "
             "and I don't know if we can make it work. Her sister Maria says it will be fine.",
     "summary": "My girlfriend Anna moved to Paris and I don't know if we can make it work."},
    {"id": "a2", "subreddit": "tifu", "title": "TIFU by trusting a wrestler",
     "post": "When I was 8 years old Gregory Helms came to dinner. He took my 30 dollars for a PS2 "
             "and 13 years later I still don't have it. My dad worked at the shelter in Raleigh.",
     "summary": "Pro wrestler Gregory Helms stole 30 dollars from me when I was 8 years old."},
    {"id": "a3", "subreddit": "legaladvice", "title": "Landlord kept the deposit",
     "post": "My landlord kept the whole deposit after we moved out. We cleaned everything and have photos. "
             "He never answered our emails and it's been really frustrating.",
     "summary": "The landlord kept our deposit and never answered, what should I do?"},
    {"id": "a4", "subreddit": "food", "title": "Slow restaurant",
     "post": "The restaurant took longer than usual to serve our food and the waiter was rude to us.",
     "summary": "The restaurant was slow and the waiter was rude."},
]
