// The NIK, No. KK and date rules of the household registry, for the device:
// the same rules as the server (villages/identity.py and Member.clean), so an
// officer without a connection is told of a mistake as they type, not at the
// next sync. tests/data/id_number_vectors.json holds the cases both sides
// must agree on (tests/js/id_rules.test.mjs here, tests/villages/
// test_id_number_vectors.py on the server): change a rule on both sides.
//
// No texts here: every check gives a code and its params, {code, params}; the
// page maps them to the server's translated messages, which it renders with
// json_script from villages/id_rule_messages.py (see formatMessage).
//
// Dates are "YYYY-MM-DD" strings (what <input type="date"> gives). Loaded by
// <script src> it is window.DesmigratifIdRules (self.DesmigratifIdRules in a
// service worker); in Node, require() or import it.
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.DesmigratifIdRules = factory();
  }
}(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // Python's whitespace (str.strip() and \s): JavaScript's \s and trim()
  // differ by a few characters (\x1c-\x1f and \x85 are Python's, \ufeff is
  // JavaScript's), and the server's answer is the one to give.
  var SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var EDGE_SPACES = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
  var SEPARATORS = new RegExp("[" + SPACE + ".\\-]", "g");
  // A spreadsheet's float shown as text (Python's \d is any decimal digit: \p{Nd}).
  var SCIENTIFIC = /^\p{Nd}(?:[.,]\p{Nd}+)?[eE][+]?\p{Nd}+$/u;
  var TRAILING_DOT_ZERO = /^\p{Nd}+[.,]0+$/u;
  var THOUSANDS = /^\p{Nd}{1,3}(?:[.,]\p{Nd}{3}){3,}$/u;
  var DIGITS = /^[0-9]+$/;
  var ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

  function refused(code, params) {
    return { ok: false, code: code, params: params || {} };
  }

  function error(code, params) {
    return { code: code, params: params || {} };
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function isoDate(year, month, day) {
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2);
  }

  function isLeap(year) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  }

  function isRealDate(year, month, day) {
    var days = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
  }

  // "YYYY-MM-DD" of a real date, or null (an empty or unreadable field is
  // the form's business, not these rules').
  function parseDate(value) {
    var match = ISO_DATE.exec(value || "");
    if (!match) { return null; }
    var year = +match[1], month = +match[2], day = +match[3];
    return isRealDate(year, month, day) ? value : null;
  }

  // The device's date, not UTC's: the server refuses only dates after today in
  // Papua (desmigratif.dates), so a device's own today anywhere in Indonesia passes there too.
  function todayIso(now) {
    now = now || new Date();
    return isoDate(now.getFullYear(), now.getMonth() + 1, now.getDate());
  }

  function todayOf(options) {
    var today = options && options.today;
    if (today instanceof Date) { return todayIso(today); }
    return today || todayIso();
  }

  // clean_id_number: the 16 digits, or why not. A JavaScript number is a
  // spreadsheet's number cell (15 significant digits): damaged.
  function cleanIdNumber(value) {
    if (typeof value === "number") { return refused("damaged"); }
    var text = value === null || value === undefined ? "" : String(value).replace(EDGE_SPACES, "");
    if (text.charAt(0) === "'") { text = text.slice(1).replace(EDGE_SPACES, ""); }
    if (SCIENTIFIC.test(text) || TRAILING_DOT_ZERO.test(text) || THOUSANDS.test(text)) {
      return refused("damaged");
    }
    var compact = text.replace(SEPARATORS, "");
    if (!compact) { return refused("required"); }
    if (!DIGITS.test(compact)) { return refused("not_digits"); }
    if (compact.length !== 16) { return refused("length", { count: compact.length }); }
    return { ok: true, value: compact, warnings: [] };
  }

  // birth_date_from_nik: {birthDate, sex} ("L" or "P"), or null for a NIK
  // whose digits 7-12 are no real date. Two year digits: a date after today
  // belongs to the previous century.
  function birthDateFromNik(nik, options) {
    var today = todayOf(options);
    var day = +nik.slice(6, 8), month = +nik.slice(8, 10), year = +nik.slice(10, 12);
    var sex = "L";
    if (day > 40) {
      day -= 40;
      sex = "P";
    }
    var century = 2000 + year <= +today.slice(0, 4) ? 2000 : 1900;
    if (!isRealDate(century + year, month, day)) { return null; }
    var born = isoDate(century + year, month, day);
    if (born > today) { born = isoDate(century + year - 100, month, day); }
    return { birthDate: born, sex: sex };
  }

  function cleanNik(value, options) {
    var result = cleanIdNumber(value);
    if (!result.ok) { return result; }
    if (result.value.slice(12) === "0000") { return refused("serial"); }
    var encoded = birthDateFromNik(result.value, options);
    if (!encoded) { return refused("nik_date"); }
    result.birthDate = encoded.birthDate;
    result.sex = encoded.sex;
    return result;
  }

  // A No. KK ending in 0000 is accepted with a warning (kk_serial_warning).
  function cleanKk(value) {
    var result = cleanIdNumber(value);
    if (result.ok && result.value.slice(12) === "0000") { result.warnings = ["kk_serial"]; }
    return result;
  }

  // check_nik_agrees: {field: error} where a clean NIK disagrees with the
  // date of birth ("YYYY-MM-DD", compared by day, month and the year's two
  // digits, as the NIK holds them) or the sex ("L" or "P").
  function checkNikAgrees(nik, birthDate, sex, options) {
    var errors = {};
    var encoded = birthDateFromNik(nik, options);
    var born = parseDate(birthDate);
    if (born && (born.slice(8, 10) !== encoded.birthDate.slice(8, 10) ||
                 born.slice(5, 7) !== encoded.birthDate.slice(5, 7) ||
                 born.slice(2, 4) !== encoded.birthDate.slice(2, 4))) {
      var date = encoded.birthDate;
      errors.birth_date = error("nik_birth_date", {
        date: date.slice(8, 10) + "/" + date.slice(5, 7) + "/" + date.slice(0, 4)
      });
    }
    if (sex && encoded.sex !== sex) { errors.sex = error("nik_sex"); }
    return errors;
  }

  // Member.clean's rules on a member's NIK and dates: {field: error}, empty
  // when all is well. member: {nik, birth_date, sex, departure_date,
  // return_date}; give only the dates the member's status has (the server
  // clears the others). Later rules replace earlier ones on a field, as on
  // the server.
  function checkMember(member, options) {
    var errors = {};
    var today = todayOf(options);
    var nik = cleanNik(member.nik, { today: today });
    if (nik.ok) {
      var disagreements = checkNikAgrees(nik.value, member.birth_date, member.sex, { today: today });
      Object.keys(disagreements).forEach(function (field) { errors[field] = disagreements[field]; });
    } else {
      errors.nik = error(nik.code, nik.params);
    }
    var born = parseDate(member.birth_date);
    var departed = parseDate(member.departure_date);
    var returned = parseDate(member.return_date);
    if (born && born > today && !errors.birth_date) { errors.birth_date = error("future"); }
    if (departed && departed > today) { errors.departure_date = error("future"); }
    if (returned && returned > today) { errors.return_date = error("future"); }
    if (returned && departed && returned < departed) { errors.return_date = error("before_departure"); }
    if (born && departed && departed < born) { errors.departure_date = error("before_birth"); }
    return errors;
  }

  // The text of a message from villages/id_rule_messages.py with its
  // %(name)s filled from params: formatMessage(messages.nik.length, {count: 15}).
  function formatMessage(template, params) {
    params = params || {};
    return String(template).replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  return {
    cleanNik: cleanNik,
    cleanKk: cleanKk,
    birthDateFromNik: birthDateFromNik,
    checkNikAgrees: checkNikAgrees,
    checkMember: checkMember,
    formatMessage: formatMessage,
    todayIso: todayIso
  };
}));
