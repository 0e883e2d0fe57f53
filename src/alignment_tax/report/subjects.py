"""The paper's grouping of MMLU-Pro's 14 categories (Tables 2 and 8), kept apart from the
evaluation code so the report imports no model libraries."""

QUALITATIVE = ("business", "health", "history", "law", "other", "philosophy", "psychology")  # Table 2
QUANTITATIVE = ("biology", "chemistry", "computer science", "economics", "engineering", "math", "physics")  # Table 8
