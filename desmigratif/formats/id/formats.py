# Shown dates: "2 Des 2026" (short month, read the same on a phone and on
# paper); times with a dot, the Indonesian way: "2 Des 2026 14.05".
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H.i"
TIME_FORMAT = "H.i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
# What a typed date looks like (day first), as in the forms.
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H.i"
FIRST_DAY_OF_WEEK = 1

# Day first; Django adds ISO (what the browser's date picker sends). Never
# month first: "02/12/2026" is the 2nd of December.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # '02/12/2026'
    "%d-%m-%Y",  # '02-12-2026'
    "%d/%m/%y",  # '02/12/26'
    "%d %b %Y",  # '2 Dec 2026'
    "%d %B %Y",  # '2 December 2026'
]
TIME_INPUT_FORMATS = ["%H.%M", "%H:%M", "%H.%M.%S", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H.%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H.%M.%S",
    "%d/%m/%Y %H:%M:%S",
]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
