// The device's NIK, No. KK and date rules (static/js/id-rules.js) against the
// cases the server's rules are tested with too (tests/data/id_number_vectors.json;
// tests/villages/test_id_number_vectors.py). Run: node --test tests/js/
// (pytest runs it: tests/test_javascript.py).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const rules = require("../../static/js/id-rules.js");
const vectors = JSON.parse(readFileSync(new URL("../data/id_number_vectors.json", import.meta.url), "utf8"));
const today = vectors.today;

function label(field, index, vector) {
  return `${field} #${index}: ${vector.why} (${JSON.stringify(vector.input)})`;
}

function expectedError(vector) {
  return { ok: false, code: vector.code, params: vector.params ?? {} };
}

for (const [index, vector] of vectors.nik.entries()) {
  test(label("nik", index, vector), () => {
    const result = rules.cleanNik(vector.input, { today });
    if (vector.valid) {
      assert.deepEqual(result, {
        ok: true, value: vector.value, warnings: [], birthDate: vector.birth_date, sex: vector.sex,
      });
      assert.deepEqual(rules.birthDateFromNik(vector.value, { today }), { birthDate: vector.birth_date, sex: vector.sex });
    } else {
      assert.deepEqual(result, expectedError(vector));
      assert.ok(vectors.codes.nik.includes(result.code), `${result.code} is not a listed NIK code`);
    }
  });
}

for (const [index, vector] of vectors.no_kk.entries()) {
  test(label("no_kk", index, vector), () => {
    const result = rules.cleanKk(vector.input);
    if (vector.valid) {
      assert.deepEqual(result, { ok: true, value: vector.value, warnings: vector.warnings });
    } else {
      assert.deepEqual(result, expectedError(vector));
    }
    for (const code of [result.code, ...(result.warnings ?? [])].filter(Boolean)) {
      assert.ok(vectors.codes.no_kk.includes(code), `${code} is not a listed No. KK code`);
    }
  });
}

for (const [index, vector] of vectors.member.entries()) {
  test(label("member", index, vector), () => {
    const errors = rules.checkMember(vector.input, { today });
    const expected = Object.fromEntries(
      Object.entries(vector.errors).map(([field, e]) => [field, { code: e.code, params: e.params ?? {} }]),
    );
    assert.deepEqual(errors, expected);
    for (const [field, e] of Object.entries(errors)) {
      assert.ok(vectors.codes[field]?.includes(e.code), `${field}: ${e.code} is not a listed code`);
    }
  });
}

test("today is a Date or YYYY-MM-DD, and by default the device's own date", () => {
  const nik = "3524071606260001"; // 16/06/26
  assert.equal(rules.cleanNik(nik, { today: "2026-06-16" }).birthDate, "2026-06-16");
  assert.equal(rules.cleanNik(nik, { today: new Date(2026, 5, 16, 23, 59) }).birthDate, "2026-06-16");
  assert.equal(rules.cleanNik(nik, { today: new Date(2026, 5, 15, 0, 1) }).birthDate, "1926-06-16");
  const now = new Date();
  assert.equal(rules.todayIso(), rules.todayIso(now));
  assert.match(rules.todayIso(), /^\d{4}-\d{2}-\d{2}$/);
});

test("a message's %(name)s placeholders are filled from the error's params", () => {
  assert.equal(
    rules.formatMessage("%(count)s digits; NIK must have 16, this one has %(count)s.", { count: 15 }),
    "15 digits; NIK must have 16, this one has 15.",
  );
  assert.equal(rules.formatMessage("Tanggal lahir tidak cocok dengan NIK (%(date)s).", { date: "12/05/1990" }),
    "Tanggal lahir tidak cocok dengan NIK (12/05/1990).");
  assert.equal(rules.formatMessage("No placeholders.", {}), "No placeholders.");
  assert.equal(rules.formatMessage("Unknown %(other)s stays.", {}), "Unknown %(other)s stays.");
});

test("every listed code is given by at least one case", () => {
  const given = {};
  const add = (field, code) => { (given[field] ??= new Set()).add(code); };
  for (const v of vectors.nik) if (!v.valid) add("nik", v.code);
  for (const v of vectors.no_kk) {
    if (!v.valid) add("no_kk", v.code);
    for (const w of v.warnings ?? []) add("no_kk", w);
  }
  for (const v of vectors.member) for (const [field, e] of Object.entries(v.errors)) add(field, e.code);
  for (const [field, codes] of Object.entries(vectors.codes)) {
    assert.deepEqual([...given[field]].sort(), [...codes].sort(), field);
  }
});

test("the file loads in a browser as window.DesmigratifIdRules", async () => {
  const { runInNewContext } = await import("node:vm");
  const source = readFileSync(new URL("../../static/js/id-rules.js", import.meta.url), "utf8");
  const window = {};
  runInNewContext(source, { self: window });
  assert.equal(typeof window.DesmigratifIdRules.checkMember, "function");
  assert.equal(window.DesmigratifIdRules.cleanNik("3524071205900001", { today }).value, "3524071205900001");
});
