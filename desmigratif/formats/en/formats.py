# The English pages read like the Indonesian ones, with English month names
# and separators: "2 Dec 2026", "2 Dec 2026 14:05", "1,234", "100.0%". Dates
# stay day first: the same forms, the same order, whichever language.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1

# Day first, never month first; Django adds ISO (the date picker's value).
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # '02/12/2026'
    "%d-%m-%Y",  # '02-12-2026'
    "%d/%m/%y",  # '02/12/26'
    "%d %b %Y",  # '2 Dec 2026'
    "%d %B %Y",  # '2 December 2026'
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
