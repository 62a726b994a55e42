// The FHIRPath engine against the FHIRPath specification (N1, as used by FHIR R4): each row is
// an expression from the spec's text or built on its rules, with the exact result expected.
// Results are written as "[item, item]": strings quoted, dates as literals, "error" for an
// error the caller receives.

#include "schemas/fhirpath/fhirpath.h"
#include "schemas/model.h"

#include "fhirpathtest.h"
#include "testmodel.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include <atomic>
#include <thread>

using namespace fhir;
using namespace fhir::fhirpath;

namespace {

struct Case
{
    char fixture; // n: {} p: Patient o: Observation b: Bundle
    const char *expression;
    const char *expected;
};

// clang-format off
const Case kCases[] = {
    // --- literals (§ Literals) ---
    {'n', "true", "[true]"},
    {'n', "false", "[false]"},
    {'n', "'test string'", "['test string']"},
    {'n', "'urn:oid:3.4.5.6.7.8'", "['urn:oid:3.4.5.6.7.8']"},
    {'n', R"('it\'s')", "['it's']"},
    {'n', R"('a\\b')", R"(['a\b'])"},
    {'n', R"('\u0041\u00e9')", "['Aé']"},
    {'n', R"('tab\there')", "['tab\there']"},
    {'n', R"('\"quoted\"')", R"(['"quoted"'])"},
    {'n', R"('\/')", "['/']"},
    {'n', "0", "[0]"},
    {'n', "45", "[45]"},
    {'n', "-5", "[-5]"},
    {'n', "0.0", "[0.0]"},
    {'n', "3.14159", "[3.14159]"},
    {'n', "-0.5", "[-0.5]"},
    {'n', "1.50", "[1.50]"},
    {'n', "@2015", "[@2015]"},
    {'n', "@2015-02", "[@2015-02]"},
    {'n', "@2015-02-04", "[@2015-02-04]"},
    {'n', "@2015-02-04T14", "[@2015-02-04T14]"},
    {'n', "@2015-02-04T14:34", "[@2015-02-04T14:34]"},
    {'n', "@2015-02-04T14:34:28", "[@2015-02-04T14:34:28]"},
    {'n', "@2015-02-04T14:34:28.123", "[@2015-02-04T14:34:28.123]"},
    {'n', "@2015-02-04T14:34:28Z", "[@2015-02-04T14:34:28Z]"},
    {'n', "@2015-02-04T14:34:28+10:00", "[@2015-02-04T14:34:28+10:00]"},
    {'n', "@2015-02-04T14:34:28.5-05:00", "[@2015-02-04T14:34:28.500-05:00]"},
    {'n', "@2015T", "[@2015T]"},
    {'n', "@2015-02-04T", "[@2015-02-04T]"},
    {'n', "@T14", "[@T14]"},
    {'n', "@T14:34", "[@T14:34]"},
    {'n', "@T14:34:28", "[@T14:34:28]"},
    {'n', "@T14:34:28.123", "[@T14:34:28.123]"},
    {'n', "4.5 'mg'", "[4.5 'mg']"},
    {'n', "100 '[degF]'", "[100 '[degF]']"},
    {'n', "5 'mg/dL'", "[5 'mg/dL']"},
    {'n', "4 days", "[4 days]"},
    {'n', "1 year", "[1 year]"},
    {'n', "3 'wk'", "[3 'wk']"},
    {'n', "{}", "[]"},
    {'n', "`true`", "[]"},
    {'n', "@2015-13", "error"},
    {'n', "@2015-02-30", "error"},
    {'n', "@T25:00", "error"},

    // --- arithmetic (§ Math) ---
    {'n', "1 + 1", "[2]"},
    {'n', "3 - 5", "[-2]"},
    {'n', "2 * 3", "[6]"},
    {'n', "7 / 2", "[3.5]"},
    {'n', "1 / 3", "[0.33333333]"},
    {'n', "6 / 2 = 3", "[true]"},
    {'n', "7 div 2", "[3]"},
    {'n', "-7 div 2", "[-3]"},
    {'n', "7 mod 2", "[1]"},
    {'n', "-7 mod 2", "[-1]"},
    {'n', "5.5 mod 0.7", "[0.6]"},
    {'n', "5.5 div 0.7", "[7]"},
    {'n', "1 / 0", "[]"},
    {'n', "5 div 0", "[]"},
    {'n', "5 mod 0", "[]"},
    {'n', "0.1 + 0.2 = 0.3", "[true]"},
    {'n', "0.1 + 0.2", "[0.3]"},
    {'n', "1.0 + 2", "[3.0]"},
    {'n', "2 * 1.5", "[3.0]"},
    {'n', "1.5 - 0.25", "[1.25]"},
    {'n', "3.0 * 2.0 = 6", "[true]"},
    {'n', "10 / 4.0", "[2.5]"},
    {'n', "'a' + 'b'", "['ab']"},
    {'n', "'a' + {}", "[]"},
    {'n', "{} + 1", "[]"},
    {'n', "'a' & 'b'", "['ab']"},
    {'n', "'a' & {}", "['a']"},
    {'n', "{} & {}", "['']"},
    {'n', "1 + 'a'", "error"},
    {'n', "'a' - 'b'", "error"},
    {'n', "true + 1", "error"},
    {'n', "(1 | 2) + 1", "error"},
    {'n', "-(3 + 2)", "[-5]"},
    {'n', "+3", "[3]"},
    {'n', "-'a'", "error"},
    {'n', "- -3", "[3]"},
    {'n', "2147483647 + 1", "[2147483648]"},
    {'n', "-(-2147483648 * 2147483648 * 2)", "[]"},
    {'n', "(-2147483648 * 2147483648 * 2).abs()", "[]"},
    {'n', "(-2147483648 * 2147483648 * 2) - 1", "[]"},
    {'n', "1e3", "error"},
    {'n', "(10000000000.0 * 10000000000.0).floor()", "[]"},
    {'n', "100000000000000", "error"},
    {'n', "@2012-01-01 + 2000000000 years", "error"},
    {'n', "5 'mg' + 3 'mg'", "[8 'mg']"},
    {'n', "5 'mg' - 3 'mg'", "[2 'mg']"},
    {'n', "1 'g' + 500 'mg'", "[1.5 'g']"},
    {'n', "5 'mg' + 3 'm'", "error"},
    {'n', "2 'mg' * 3", "[6 'mg']"},
    {'n', "6 'mg' / 2", "[3 'mg']"},
    {'n', "-(5 'mg')", "[-5 'mg']"},

    // --- date arithmetic ---
    {'n', "@2012-01-01 + 1 year", "[@2013-01-01]"},
    {'n', "@2012-01-31 + 1 month", "[@2012-02-29]"},
    {'n', "@2012-03-01 - 1 day", "[@2012-02-29]"},
    {'n', "@2012-01-01 + 2 weeks", "[@2012-01-15]"},
    {'n', "@2012 + 1 year", "[@2013]"},
    {'n', "@2012-01-01T10:00 + 90 minutes", "[@2012-01-01T11:30]"},
    {'n', "@2012-01-01T23:00:00 + 2 hours", "[@2012-01-02T01:00:00]"},
    {'n', "@2012-01-01T10:00:00 - 30 seconds", "[@2012-01-01T09:59:30]"},
    {'n', "@2012-01-01T10:00:00.000 + 5 'ms'", "[@2012-01-01T10:00:00.005]"},
    {'n', "@T10:00 - 1 hour", "[@T09:00]"},
    {'n', "@T23:30 + 1 hour", "[@T00:30]"},
    {'n', "@2012-01-01 + 1 'd'", "[@2012-01-02]"},
    {'n', "@2012-01-01 + 1 'mg'", "error"},
    {'n', "@2019-03-01 - 1 'mo'", "[@2019-02-01]"},

    // --- comparison (§ Comparison) ---
    {'n', "1 < 2", "[true]"},
    {'n', "1 > 2", "[false]"},
    {'n', "2 <= 2", "[true]"},
    {'n', "2 >= 3", "[false]"},
    {'n', "1.0 < 1.2", "[true]"},
    {'n', "1 < 1.5", "[true]"},
    {'n', "'a' < 'b'", "[true]"},
    {'n', "'abc' > 'abd'", "[false]"},
    {'n', "'A' < 'a'", "[true]"},
    {'n', "@2012 < @2013", "[true]"},
    {'n', "@2012-01 < @2012-02", "[true]"},
    {'n', "@2012-01 < @2012", "[]"},
    {'n', "@2012-01-01 < @2012-01-01T10:00", "[]"},
    {'n', "@2012-01-01T10:00 < @2012-01-01T10:01", "[true]"},
    {'n', "@2012-01-01T10:30:00 > @2012-01-01T10:30:00.001", "[false]"},
    {'n', "@2012-01-01T10:00:00Z < @2012-01-01T11:00:00+02:00", "[false]"},
    {'n', "@T10:00 < @T11:00", "[true]"},
    {'n', "@T10 < @T10:30", "[]"},
    {'n', "@2012 < @T10:00", "error"},
    {'n', "1 < 'a'", "error"},
    {'n', "{} < 1", "[]"},
    {'n', "1 < {}", "[]"},
    {'n', "(1 | 2) < 3", "error"},
    {'n', "1 'kg' > 500 'g'", "[true]"},
    {'n', "5 'mg' < 3 'mg'", "[false]"},
    {'n', "1 'm' < 1 'kg'", "[]"},
    {'n', "1 'h' = 60 'min'", "[true]"},
    {'n', "2 days > 1 day", "[true]"},

    // --- equality and equivalence (§ Equality) ---
    {'n', "1 = 1", "[true]"},
    {'n', "1 = 2", "[false]"},
    {'n', "1 = 1.0", "[true]"},
    {'n', "1.0 = 1.00", "[true]"},
    {'n', "1.2 = 1.23", "[false]"},
    {'n', "1.2 ~ 1.23", "[true]"},
    {'n', "1.25 ~ 1.3", "[true]"},
    {'n', "1.2 ~ 1.34", "[false]"},
    {'n', "'a' = 'a'", "[true]"},
    {'n', "'a' = 'A'", "[false]"},
    {'n', "'a' ~ 'A'", "[true]"},
    {'n', "'  a  b ' ~ 'A B'", "[true]"},
    {'n', "'ab' ~ 'a b'", "[false]"},
    {'n', "true = true", "[true]"},
    {'n', "true = false", "[false]"},
    {'n', "true = 1", "[false]"},
    {'n', "'1' = 1", "[false]"},
    {'n', "{} = {}", "[]"},
    {'n', "{} = 1", "[]"},
    {'n', "{} ~ {}", "[true]"},
    {'n', "{} ~ 1", "[false]"},
    {'n', "(1 | 2) = (1 | 2)", "[true]"},
    {'n', "(1 | 2) = (2 | 1)", "[false]"},
    {'n', "(1 | 2) ~ (2 | 1)", "[true]"},
    {'n', "(1 | 2) = (1 | 2 | 3)", "[false]"},
    {'n', "1 != 2", "[true]"},
    {'n', "1 != 1", "[false]"},
    {'n', "{} != 1", "[]"},
    {'n', "'a' !~ 'A'", "[false]"},
    {'n', "'a' !~ 'b'", "[true]"},
    {'n', "@2012-01-01 = @2012-01-01", "[true]"},
    {'n', "@2012-01-01 = @2012-01-02", "[false]"},
    {'n', "@2012-01 = @2012-01-01", "[]"},
    {'n', "@2012-01 = @2013-01-01", "[false]"},
    {'n', "@2012-01-01 ~ @2012-01", "[false]"},
    {'n', "@2012-01-01T10:30:00 = @2012-01-01T10:30:00.000", "[true]"},
    {'n', "@2012-01-01T10:30 = @2012-01-01T10:30:00", "[]"},
    {'n', "@2012-01-01T10:00:00Z = @2012-01-01T12:00:00+02:00", "[true]"},
    {'n', "@2012-01-01T00:30:00+01:00 = @2011-12-31T23:30:00Z", "[true]"},
    {'n', "@T10:30 = @T10:30", "[true]"},
    {'n', "@T10:30 = @T10:31", "[false]"},
    {'n', "@T10 = @T10:00", "[]"},
    {'n', "@2012 = @T10", "[false]"},
    {'n', "1 'kg' = 1000 'g'", "[true]"},
    {'n', "1 'kg' ~ 1000 'g'", "[true]"},
    {'n', "4 'mg' = 4.0 'mg'", "[true]"},
    {'n', "1 'm' = 1 'kg'", "[]"},
    {'n', "1 'm' ~ 1 'kg'", "[false]"},
    {'n', "7 days = 1 week", "[true]"},
    {'n', "1 'wk' = 7 'd'", "[true]"},
    {'n', "1 year = 1 'a'", "[]"},
    {'n', "1 year ~ 1 'a'", "[true]"},
    {'n', "1 month ~ 1 'mo'", "[true]"},
    {'n', "2 years = 2 year", "[true]"},
    {'n', "1 '1' = 1 '1'", "[true]"},

    // --- Boolean logic (§ Boolean logic: the truth tables) ---
    {'n', "true and true", "[true]"},
    {'n', "true and false", "[false]"},
    {'n', "true and {}", "[]"},
    {'n', "false and true", "[false]"},
    {'n', "false and false", "[false]"},
    {'n', "false and {}", "[false]"},
    {'n', "{} and true", "[]"},
    {'n', "{} and false", "[false]"},
    {'n', "{} and {}", "[]"},
    {'n', "true or true", "[true]"},
    {'n', "true or false", "[true]"},
    {'n', "true or {}", "[true]"},
    {'n', "false or true", "[true]"},
    {'n', "false or false", "[false]"},
    {'n', "false or {}", "[]"},
    {'n', "{} or true", "[true]"},
    {'n', "{} or false", "[]"},
    {'n', "{} or {}", "[]"},
    {'n', "true xor true", "[false]"},
    {'n', "true xor false", "[true]"},
    {'n', "true xor {}", "[]"},
    {'n', "false xor true", "[true]"},
    {'n', "false xor false", "[false]"},
    {'n', "false xor {}", "[]"},
    {'n', "{} xor true", "[]"},
    {'n', "{} xor false", "[]"},
    {'n', "{} xor {}", "[]"},
    {'n', "true implies true", "[true]"},
    {'n', "true implies false", "[false]"},
    {'n', "true implies {}", "[]"},
    {'n', "false implies true", "[true]"},
    {'n', "false implies false", "[true]"},
    {'n', "false implies {}", "[true]"},
    {'n', "{} implies true", "[true]"},
    {'n', "{} implies false", "[]"},
    {'n', "{} implies {}", "[]"},
    {'n', "true.not()", "[false]"},
    {'n', "false.not()", "[true]"},
    {'n', "{}.not()", "[]"},
    {'n', "(true | false).not()", "error"},
    {'n', "(true | false) and true", "error"},
    {'n', "false and (1 | 2)", "[false]"},
    {'n', "'x' and true", "[true]"},

    // --- precedence (§ Operator precedence) ---
    {'n', "1 + 2 * 3", "[7]"},
    {'n', "(1 + 2) * 3", "[9]"},
    {'n', "10 - 4 - 3", "[3]"},
    {'n', "12 / 2 / 3", "[2.0]"},
    {'n', "2 + 3 = 5", "[true]"},
    {'n', "1 < 2 = true", "[true]"},
    {'n', "1 = 1 and 2 = 2", "[true]"},
    {'n', "true or false and false", "[true]"},
    {'n', "(true or false) and false", "[false]"},
    {'n', "false implies false or true", "[true]"},
    {'n', "true xor true or true", "[true]"},
    {'n', "1 | 2 = 1 | 2", "[true]"},
    {'n', "(1 | 2) = (1 | 2)", "[true]"},
    {'n', "1 in 1 | 2", "[true]"},
    {'n', "-1.abs()", "[-1]"},
    {'n', "(-1).abs()", "[1]"},
    {'n', "'a' + 'b' = 'ab'", "[true]"},
    {'n', "2 * 3 mod 4", "[2]"},
    {'n', "7 - 2 div 2", "[6]"},
    {'n', "1 is Integer and true", "[true]"},
    {'n', "3 > 2 and 2 > 1", "[true]"},
    {'n', "1 + 1 in (2 | 3)", "[true]"},
    {'n', "(1 | 2 | 3).count() * 2", "[6]"},
    {'n', "2 'mg' * 3 = 6 'mg'", "[true]"},

    // --- collections, union, in, contains (§ Collections) ---
    {'n', "1 | 2 | 3", "[1, 2, 3]"},
    {'n', "1 | 1 | 2", "[1, 2]"},
    {'n', "(1 | 2) | (2 | 3)", "[1, 2, 3]"},
    {'n', "{} | 1", "[1]"},
    {'n', "1.0 | 1", "[1.0]"},
    {'n', "'a' | 'A'", "['a', 'A']"},
    {'n', "2 in (1 | 2 | 3)", "[true]"},
    {'n', "5 in (1 | 2 | 3)", "[false]"},
    {'n', "{} in (1 | 2)", "[]"},
    {'n', "2 in {}", "[false]"},
    {'n', "(1 | 2) in (1 | 2)", "error"},
    {'n', "(1 | 2 | 3) contains 3", "[true]"},
    {'n', "(1 | 2 | 3) contains 4", "[false]"},
    {'n', "(1 | 2) contains {}", "[]"},
    {'n', "{} contains 1", "[false]"},
    {'n', "(1 | 2 | 3)[0]", "[1]"},
    {'n', "(1 | 2 | 3)[2]", "[3]"},
    {'n', "(1 | 2 | 3)[3]", "[]"},
    {'n', "(1 | 2 | 3)[-1]", "[]"},
    {'n', "(1 | 2 | 3)[{}]", "[]"},
    {'n', "(1 | 2 | 3)['a']", "error"},
    {'n', "(1 | 2 | 3)[1 + 1]", "[3]"},

    // --- existence (§ 5.1) ---
    {'n', "{}.empty()", "[true]"},
    {'n', "1.empty()", "[false]"},
    {'n', "(1 | 2).empty()", "[false]"},
    {'n', "{}.exists()", "[false]"},
    {'n', "1.exists()", "[true]"},
    {'n', "(1 | 2 | 3).exists($this > 2)", "[true]"},
    {'n', "(1 | 2 | 3).exists($this > 3)", "[false]"},
    {'n', "(1 | 2 | 3).all($this > 0)", "[true]"},
    {'n', "(1 | 2 | 3).all($this > 1)", "[false]"},
    {'n', "{}.all($this > 1)", "[true]"},
    {'n', "(true | false).allTrue()", "[false]"},
    {'n', "(true).allTrue()", "[true]"},
    {'n', "{}.allTrue()", "[true]"},
    {'n', "(true | false).anyTrue()", "[true]"},
    {'n', "(false).anyTrue()", "[false]"},
    {'n', "{}.anyTrue()", "[false]"},
    {'n', "(false).allFalse()", "[true]"},
    {'n', "(true | false).allFalse()", "[false]"},
    {'n', "{}.allFalse()", "[true]"},
    {'n', "(true | false).anyFalse()", "[true]"},
    {'n', "(true).anyFalse()", "[false]"},
    {'n', "{}.anyFalse()", "[false]"},
    {'n', "(1 | 2).allTrue()", "error"},
    {'n', "(1 | 2).subsetOf(1 | 2 | 3)", "[true]"},
    {'n', "(1 | 4).subsetOf(1 | 2 | 3)", "[false]"},
    {'n', "{}.subsetOf(1 | 2)", "[true]"},
    {'n', "(1 | 2 | 3).supersetOf(1 | 2)", "[true]"},
    {'n', "(1 | 2).supersetOf(1 | 5)", "[false]"},
    {'n', "(1 | 2).supersetOf({})", "[true]"},
    {'n', "{}.count()", "[0]"},
    {'n', "(1 | 2 | 3).count()", "[3]"},
    {'n', "(1 | 2).combine(2 | 3).count()", "[4]"},
    {'n', "(1 | 2).combine(2 | 3).distinct()", "[1, 2, 3]"},
    {'n', "(1 | 2).combine(2).isDistinct()", "[false]"},
    {'n', "(1 | 2 | 3).isDistinct()", "[true]"},
    {'n', "{}.isDistinct()", "[true]"},
    {'n', "('a' | 'A').distinct()", "['a', 'A']"},

    // --- filtering and projection (§ 5.2) ---
    {'n', "(1 | 2 | 3).where($this > 1)", "[2, 3]"},
    {'n', "(1 | 2 | 3).where($this > 5)", "[]"},
    {'n', "(1 | 2 | 3).where({})", "[]"},
    {'n', "(1 | 2 | 3).where($index = 1)", "[2]"},
    {'n', "(1 | 2 | 3).where((1 | 2))", "error"},
    {'n', "(1 | 2 | 3).select($this * 2)", "[2, 4, 6]"},
    {'n', "(1 | 2 | 3).select($index)", "[0, 1, 2]"},
    {'n', "(1 | 2 | 3).select({})", "[]"},
    {'n', "(1 | 2).select($this | 10)", "[1, 10, 2, 10]"},
    {'n', "(1 | 2 | 'a').ofType(Integer)", "[1, 2]"},
    {'n', "(1 | 2 | 'a').ofType(String)", "['a']"},
    {'n', "(1 | 2 | 'a').ofType(System.String)", "['a']"},
    {'n', "(1 | 2.5).ofType(Decimal)", "[2.5]"},
    {'n', "(@2012 | @T10:00 | @2012-01-01T10:00).ofType(DateTime)", "[@2012-01-01T10:00]"},
    {'n', "(1 | 2 | 3).repeat($this)", "[1, 2, 3]"},
    {'n', "(1).repeat(iif($this < 5, $this + 1, {}))", "[2, 3, 4, 5]"},
    {'n', "(1).repeat(2)", "[2]"},

    // --- subsetting (§ 5.3) ---
    {'n', "(1 | 2 | 3).first()", "[1]"},
    {'n', "(1 | 2 | 3).last()", "[3]"},
    {'n', "(1 | 2 | 3).tail()", "[2, 3]"},
    {'n', "{}.first()", "[]"},
    {'n', "{}.tail()", "[]"},
    {'n', "1.tail()", "[]"},
    {'n', "1.single()", "[1]"},
    {'n', "{}.single()", "[]"},
    {'n', "(1 | 2).single()", "error"},
    {'n', "(1 | 2 | 3).skip(1)", "[2, 3]"},
    {'n', "(1 | 2 | 3).skip(0)", "[1, 2, 3]"},
    {'n', "(1 | 2 | 3).skip(-1)", "[1, 2, 3]"},
    {'n', "(1 | 2 | 3).skip(5)", "[]"},
    {'n', "(1 | 2 | 3).take(2)", "[1, 2]"},
    {'n', "(1 | 2 | 3).take(0)", "[]"},
    {'n', "(1 | 2 | 3).take(10)", "[1, 2, 3]"},
    {'n', "(1 | 2 | 3).take('a')", "error"},
    {'n', "(1 | 2 | 3).intersect(2 | 3 | 4)", "[2, 3]"},
    {'n', "(1 | 2 | 3).intersect({})", "[]"},
    {'n', "(1 | 2).combine(1).intersect(1)", "[1]"},
    {'n', "(1 | 2 | 3).exclude(2)", "[1, 3]"},
    {'n', "(1 | 2).combine(2).exclude(1)", "[2, 2]"},
    {'n', "(1 | 2 | 3).exclude({})", "[1, 2, 3]"},

    // --- combining (§ 5.4) ---
    {'n', "(1 | 2).union(2 | 3)", "[1, 2, 3]"},
    {'n', "{}.union(1)", "[1]"},
    {'n', "(1 | 2).combine(2 | 3)", "[1, 2, 2, 3]"},
    {'n', "{}.combine({})", "[]"},

    // --- conversion (§ 5.5) ---
    {'n', "iif(true, 'a', 'b')", "['a']"},
    {'n', "iif(false, 'a', 'b')", "['b']"},
    {'n', "iif({}, 'a', 'b')", "['b']"},
    {'n', "iif(false, 'a')", "[]"},
    {'n', "iif(1 = 1, 1 / 1, 1 / 0)", "[1.0]"},
    {'n', "iif(1 = 2, 1 / 0, 'b')", "['b']"},
    {'n', "iif((true | false), 'a', 'b')", "error"},
    {'n', "'true'.toBoolean()", "[true]"},
    {'n', "'T'.toBoolean()", "[true]"},
    {'n', "'yes'.toBoolean()", "[true]"},
    {'n', "'0'.toBoolean()", "[false]"},
    {'n', "'no'.toBoolean()", "[false]"},
    {'n', "'maybe'.toBoolean()", "[]"},
    {'n', "1.toBoolean()", "[true]"},
    {'n', "0.toBoolean()", "[false]"},
    {'n', "2.toBoolean()", "[]"},
    {'n', "1.0.toBoolean()", "[true]"},
    {'n', "'maybe'.convertsToBoolean()", "[false]"},
    {'n', "'y'.convertsToBoolean()", "[true]"},
    {'n', "'12'.toInteger()", "[12]"},
    {'n', "'-12'.toInteger()", "[-12]"},
    {'n', "'1.5'.toInteger()", "[]"},
    {'n', "true.toInteger()", "[1]"},
    {'n', "1.5.toInteger()", "[]"},
    {'n', "'abc'.convertsToInteger()", "[false]"},
    {'n', "'42'.convertsToInteger()", "[true]"},
    {'n', "'1.5'.toDecimal()", "[1.5]"},
    {'n', "'1.5e3'.toDecimal()", "[]"},
    {'n', "1.toDecimal()", "[1]"},
    {'n', "true.toDecimal()", "[1.0]"},
    {'n', "'x'.convertsToDecimal()", "[false]"},
    {'n', "1.toString()", "['1']"},
    {'n', "1.50.toString()", "['1.50']"},
    {'n', "true.toString()", "['true']"},
    {'n', "@2012-01.toString()", "['2012-01']"},
    {'n', "@2012-01-01T10:00:00Z.toString()", "['2012-01-01T10:00:00Z']"},
    {'n', "@T10:00.toString()", "['10:00']"},
    {'n', "5 'mg'.toString()", "['5 'mg'']"},
    {'n', "4 days.toString()", "['4 days']"},
    {'n', "'a'.convertsToString()", "[true]"},
    {'n', "1.convertsToString()", "[true]"},
    {'n', "'2012-01-01'.toDate()", "[@2012-01-01]"},
    {'n', "'2012-01'.toDate()", "[@2012-01]"},
    {'n', "'2012-01-01T10:00:00'.toDate()", "[@2012-01-01]"},
    {'n', "'2012-13'.toDate()", "[]"},
    {'n', "@2012-01-01T10:00.toDate()", "[@2012-01-01]"},
    {'n', "'2012-01-01'.convertsToDate()", "[true]"},
    {'n', "'nope'.convertsToDate()", "[false]"},
    {'n', "'2012-01-01T10:00:00Z'.toDateTime()", "[@2012-01-01T10:00:00Z]"},
    {'n', "'2012-01-01'.toDateTime()", "[@2012-01-01T]"},
    {'n', "@2012-01-01.toDateTime()", "[@2012-01-01T]"},
    {'n', "'2012-01-01T25:00'.toDateTime()", "[]"},
    {'n', "'2012-01-01T10:00'.convertsToDateTime()", "[true]"},
    {'n', "'10:00:00'.toTime()", "[@T10:00:00]"},
    {'n', "'T10:00'.toTime()", "[@T10:00]"},
    {'n', "'10:61'.toTime()", "[]"},
    {'n', "'10:00'.convertsToTime()", "[true]"},
    {'n', "1.toQuantity()", "[1 '1']"},
    {'n', "1.5.toQuantity()", "[1.5 '1']"},
    {'n', "'5 \\'mg\\''.toQuantity()", "[5 'mg']"},
    {'n', "'5.5 \\'mg\\''.toQuantity() = 5.5 'mg'", "[true]"},
    {'n', "'4 days'.toQuantity()", "[4 days]"},
    {'n', "'4 bananas'.toQuantity()", "[]"},
    {'n', "'abc'.toQuantity()", "[]"},
    {'n', "'abc'.convertsToQuantity()", "[false]"},
    {'n', "'10'.convertsToQuantity()", "[true]"},
    {'n', "1 'kg'.toQuantity('g')", "[1000 'g']"},
    {'n', "1500 'mg'.toQuantity('g')", "[1.5 'g']"},
    {'n', "1 'kg'.toQuantity('m')", "[]"},
    {'n', "1 'kg'.convertsToQuantity('m')", "[false]"},
    {'n', "1 'h'.toQuantity('min')", "[60 'min']"},
    {'n', "(1 | 2).toString()", "error"},
    {'n', "{}.toInteger()", "[]"},

    // --- strings (§ 5.6) ---
    {'n', "'abcdefg'.indexOf('bc')", "[1]"},
    {'n', "'abcdefg'.indexOf('x')", "[-1]"},
    {'n', "'abcdefg'.indexOf('')", "[0]"},
    {'n', "{}.indexOf('a')", "[]"},
    {'n', "'abcdefg'.substring(3)", "['defg']"},
    {'n', "'abcdefg'.substring(1, 2)", "['bc']"},
    {'n', "'abcdefg'.substring(6, 2)", "['g']"},
    {'n', "'abcdefg'.substring(7, 1)", "[]"},
    {'n', "'abcdefg'.substring(-1, 1)", "[]"},
    {'n', "'abcdefg'.substring({})", "[]"},
    {'n', "'abcdefg'.startsWith('abc')", "[true]"},
    {'n', "'abcdefg'.startsWith('xyz')", "[false]"},
    {'n', "'abcdefg'.startsWith('')", "[true]"},
    {'n', "'abcdefg'.endsWith('efg')", "[true]"},
    {'n', "'abcdefg'.endsWith('abc')", "[false]"},
    {'n', "'abc'.contains('b')", "[true]"},
    {'n', "'abc'.contains('bd')", "[false]"},
    {'n', "'abc'.contains('')", "[true]"},
    {'n', "'AbCdefg'.upper()", "['ABCDEFG']"},
    {'n', "'AbCdefg'.lower()", "['abcdefg']"},
    {'n', "'abcdefg'.replace('cde', '123')", "['ab123fg']"},
    {'n', "'abcdefg'.replace('cde', '')", "['abfg']"},
    {'n', "'abc'.replace('', 'x')", "['xaxbxcx']"},
    {'n', "'aaa'.replace('a', 'b')", "['bbb']"},
    {'n', "'123'.matches('^[0-9]+$')", "[true]"},
    {'n', "'12a'.matches('^[0-9]+$')", "[false]"},
    {'n', "'abc'.matches('b')", "[true]"},
    {'n', "'abc'.matches('[')", "error"},
    {'n', "'abc'.replaceMatches('[ab]', 'x')", "['xxc']"},
    {'n', "'11/30/1972'.replaceMatches('\\\\b(\\\\d{1,2})/(\\\\d{1,2})/(\\\\d{2,4})\\\\b', '$3-$1-$2')", "['1972-11-30']"},
    {'n', "'abcdefg'.length()", "[7]"},
    {'n', "''.length()", "[0]"},
    {'n', "'abc'.toChars()", "['a', 'b', 'c']"},
    {'n', "''.toChars()", "[]"},
    {'n', "'  a b  '.trim()", "['a b']"},
    {'n', "'a,b,c'.split(',')", "['a', 'b', 'c']"},
    {'n', "'a,,c'.split(',')", "['a', '', 'c']"},
    {'n', "('a' | 'b' | 'c').join(',')", "['a,b,c']"},
    {'n', "('a' | 'b').join()", "['ab']"},
    {'n', "{}.join(',')", "['']"},
    {'n', "1.length()", "error"},
    {'n', "('a' | 'b').upper()", "error"},
    {'n', "'abc'.startsWith(1)", "error"},

    // --- math (§ 5.7) ---
    {'n', "(-5).abs()", "[5]"},
    {'n', "(-5.5).abs()", "[5.5]"},
    {'n', "(-5.5 'mg').abs()", "[5.5 'mg']"},
    {'n', "1.1.ceiling()", "[2]"},
    {'n', "(-1.1).ceiling()", "[-1]"},
    {'n', "1.ceiling()", "[1]"},
    {'n', "0.exp()", "[1]"},
    {'n', "1.exp().round(5)", "[2.71828]"},
    {'n', "1.9.floor()", "[1]"},
    {'n', "(-1.1).floor()", "[-2]"},
    {'n', "1.ln()", "[0]"},
    {'n', "0.ln()", "[]"},
    {'n', "16.log(2)", "[4]"},
    {'n', "100.0.log(10.0)", "[2]"},
    {'n', "2.power(3)", "[8]"},
    {'n', "2.5.power(2)", "[6.25]"},
    {'n', "(-1).power(0.5)", "[]"},
    {'n', "2.power(-1)", "[0.5]"},
    {'n', "3.14159.round(3)", "[3.142]"},
    {'n', "3.5.round()", "[4]"},
    {'n', "(-3.5).round()", "[-4]"},
    {'n', "1.round(2)", "[1.00]"},
    {'n', "81.sqrt()", "[9]"},
    {'n', "2.0.sqrt().round(4)", "[1.4142]"},
    {'n', "(-1).sqrt()", "[]"},
    {'n', "101.5.truncate()", "[101]"},
    {'n', "(-1.9).truncate()", "[-1]"},
    {'n', "'a'.abs()", "error"},
    {'n', "{}.sqrt()", "[]"},
    {'n', "(1 | 2).abs()", "error"},

    // --- aggregate and utility (§ 5.8, § 7) ---
    {'n', "(1 | 2 | 3).aggregate($this + $total, 0)", "[6]"},
    {'n', "(1 | 2 | 3).aggregate($total + $this)", "[]"},
    {'n', "(1 | 2 | 3 | 4).aggregate(iif($total.empty(), $this, iif($this < $total, $this, $total)))", "[1]"},
    {'n', "(2 | 5 | 3).aggregate(iif($total.empty(), $this, iif($this > $total, $this, $total)))", "[5]"},
    {'n', "{}.aggregate($this + $total, 0)", "[0]"},
    {'n', "(1 | 2).trace('x')", "[1, 2]"},
    {'n', "(1 | 2).trace('x', $this + 1)", "[1, 2]"},
    {'n', "now()", "[@2024-05-06T07:08:09.123Z]"},
    {'n', "today()", "[@2024-05-06]"},
    {'n', "timeOfDay()", "[@T07:08:09.123]"},
    {'n', "today() < now()", "[]"},
    {'n', "now() > @2020-01-01T00:00:00", "[true]"},
    {'n', "today() = @2024-05-06", "[true]"},

    // --- variables and context (§ Environment variables) ---
    {'n', "%ucum", "['http://unitsofmeasure.org']"},
    {'n', "%sct", "['http://snomed.info/sct']"},
    {'n', "%loinc", "['http://loinc.org']"},
    {'n', "%`vs-administrative-gender`", "['http://hl7.org/fhir/ValueSet/administrative-gender']"},
    {'n', "%`ext-patient-birthTime`", "['http://hl7.org/fhir/StructureDefinition/patient-birthTime']"},
    {'n', "%who", "['world']"},
    {'n', "%numbers.count()", "[3]"},
    {'n', "%numbers.where($this > 1)", "[2, 3]"},
    {'n', "%nope", "error"},
    {'n', "%'who' & '!'", "['world!']"},

    // --- path navigation on a Patient (§ Path selection) ---
    {'p', "Patient.id", "['example']"},
    {'p', "id", "['example']"},
    {'p', "Patient.name.given", "['Peter', 'James', 'Jim', 'Peter', 'James']"},
    {'p', "name.given", "['Peter', 'James', 'Jim', 'Peter', 'James']"},
    {'p', "Patient.name.family", "['Chalmers', 'Windsor']"},
    {'p', "Patient.name[0].given", "['Peter', 'James']"},
    {'p', "Patient.name.given[2]", "['Jim']"},
    {'p', "Patient.name[5]", "[]"},
    {'p', "Patient.nothing", "[]"},
    {'p', "Observation.status", "[]"},
    {'p', "Resource.id", "['example']"},
    {'p', "DomainResource.id", "['example']"},
    {'p', "Patient.`name`.`given`.first()", "['Peter']"},
    {'p', "Patient.active", "[true]"},
    {'p', "Patient.birthDate", "[@1974-12-25]"},
    {'p', "Patient.telecom.rank", "[1]"},
    {'p', "Patient.name.count()", "[3]"},
    {'p', "Patient.name.given.count()", "[5]"},
    {'p', "Patient.name.given.distinct()", "['Peter', 'James', 'Jim']"},
    {'p', "Patient.name.where(use = 'official').given", "['Peter', 'James']"},
    {'p', "Patient.name.where(use = 'usual').given.single()", "['Jim']"},
    {'p', "Patient.name.where(given = 'Jim').use", "['usual']"},
    {'p', "Patient.name.where(family.exists()).family", "['Chalmers', 'Windsor']"},
    {'p', "Patient.name.where(period.end < @2003).family", "['Windsor']"},
    {'p', "Patient.name.select(given.first())", "['Peter', 'Jim', 'Peter']"},
    {'p', "Patient.name.select(given + ' ' + family)", "error"},
    {'p', "Patient.name.first().select(given.first() + ' ' + family)", "['Peter Chalmers']"},
    {'p', "Patient.name.exists(use = 'maiden')", "[true]"},
    {'p', "Patient.name.all(given.exists())", "[true]"},
    {'p', "Patient.name.all(family.exists())", "[false]"},
    {'p', "Patient.name.given.first()", "['Peter']"},
    {'p', "Patient.name.given.last()", "['James']"},
    {'p', "Patient.name.given.single()", "error"},
    {'p', "Patient.name.given contains 'Jim'", "[true]"},
    {'p', "'Jim' in Patient.name.given", "[true]"},
    {'p', "Patient.gender = 'male'", "[true]"},
    {'p', "Patient.gender ~ 'MALE'", "[true]"},
    {'p', "Patient.birthDate < @2000-01-01", "[true]"},
    {'p', "Patient.birthDate = @1974-12-25", "[true]"},
    {'p', "Patient.birthDate > @1974-12", "[]"},
    {'p', "Patient.birthDate + 1 year", "[@1975-12-25]"},
    {'p', "Patient.meta.lastUpdated > @2019-01-01T00:00:00Z", "[true]"},
    {'p', "Patient.telecom.where(system = 'phone').value", "['(03) 5555 6473']"},
    {'p', "Patient.telecom.value.exists()", "[true]"},
    {'p', "Patient.telecom.first().value.empty()", "[true]"},
    {'p', "Patient.name.given.isDistinct()", "[false]"},
    {'p', "Patient.name.given.first().toChars().count() > 4", "[true]"},
    {'p', "Patient.name.given.toChars()", "error"},
    {'p', "Patient.name.given.where($this.startsWith('J'))", "['James', 'Jim', 'James']"},
    {'p', "Patient.name.given.where(length() = 3)", "['Jim']"},
    {'p', "Patient.name.given.select($this.upper()).first()", "['PETER']"},
    {'p', "Patient.name.given.join(' ')", "['Peter James Jim Peter James']"},
    {'p', "Patient.name.given.union(Patient.name.family)", "['Peter', 'James', 'Jim', 'Chalmers', 'Windsor']"},
    {'p', "Patient.name.given.exclude('Peter')", "['James', 'Jim', 'James']"},
    {'p', "Patient.name.given.intersect('Jim' | 'Bob')", "['Jim']"},
    {'p', "Patient.name.given.take(2) | Patient.name.family.take(1)", "['Peter', 'James', 'Chalmers']"},
    {'p', "Patient.name.skip(2).family", "['Windsor']"},
    {'p', "Patient.name.tail().given", "['Jim', 'Peter', 'James']"},
    {'p', "Patient.name.where(use = 'official') = Patient.name.first()", "[true]"},
    {'p', "Patient.name.first() = Patient.name.last()", "[false]"},
    {'p', "Patient.name.first() ~ Patient.name.first()", "[true]"},
    {'p', "Patient.name.given.subsetOf(Patient.name.given)", "[true]"},
    {'p', "Patient.contact.name.family", "['du Marché']"},
    {'p', "Patient.contact.relationship.coding.code", "['N']"},
    {'p', "Patient.address.line.first().length()", "[14]"},
    {'p', "Patient.name.given.indexOf('e')", "error"},
    {'p', "Patient.name.family.where($index = 1)", "['Windsor']"},
    {'p', "$this.id", "['example']"},
    {'p', "%resource.id", "['example']"},
    {'p', "%rootResource.id", "['example']"},
    {'p', "%context.id", "['example']"},
    {'p', "Patient.name.where(%resource.id = 'example').count()", "[3]"},
    {'p', "Patient.iif(active, 'yes', 'no')", "['yes']"},
    {'p', "Patient.name.count() > 2 implies Patient.active", "[true]"},
    {'p', "Patient.deceased", "[false]"},
    {'p', "Patient.deceased is boolean", "[true]"},
    {'p', "Patient.deceased.exists() and Patient.deceased = false", "[true]"},
    {'p', "Patient.multipleBirth.exists()", "[false]"},

    // --- FHIR types (§ Types, FHIR's additions) ---
    {'p', "Patient.birthDate is date", "[true]"},
    {'p', "Patient.birthDate is FHIR.date", "[true]"},
    {'p', "Patient.birthDate is System.Date", "[false]"},
    {'p', "Patient.birthDate is dateTime", "[false]"},
    {'p', "Patient.active is boolean", "[true]"},
    {'p', "Patient.gender is code", "[true]"},
    {'p', "Patient.gender is string", "[true]"},
    {'p', "Patient.name.first() is HumanName", "[true]"},
    {'p', "Patient.name.first() is Element", "[true]"},
    {'p', "Patient.name.first() is Address", "[false]"},
    {'p', "Patient is Patient", "[true]"},
    {'p', "Patient is DomainResource", "[true]"},
    {'p', "Patient is Resource", "[true]"},
    {'p', "Patient is FHIR.Patient", "[true]"},
    {'p', "Patient is Observation", "[false]"},
    {'p', "Patient.name.ofType(HumanName).count()", "[3]"},
    {'p', "Patient.name.first().is(HumanName)", "[true]"},
    {'p', "Patient.telecom.rank is positiveInt", "[true]"},
    {'p', "Patient.telecom.rank is integer", "[true]"},
    {'p', "Patient.telecom.rank.as(integer) = 1", "[true]"},
    {'p', "(Patient.name.first() as HumanName).family", "['Chalmers']"},
    {'p', "(Patient.name.first() as Address).city", "[]"},
    {'p', "Patient.id is string", "[true]"},
    {'p', "Patient.contact.first() is BackboneElement", "[true]"},
    {'p', "Patient.name.is(HumanName)", "error"},
    {'p', "Patient.children().ofType(HumanName).count()", "[3]"},
    {'p', "Patient.managingOrganization is Reference", "[true]"},

    // --- primitive extensions and ids (FHIR: _birthDate) ---
    {'p', "Patient.birthDate.extension.count()", "[1]"},
    {'p', "Patient.birthDate.id", "['bd']"},
    {'p', "Patient.birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime').value", "[@1974-12-25T14:35:45-05:00]"},
    {'p', "Patient.birthDate.extension(%`ext-patient-birthTime`).value is dateTime", "[true]"},
    {'p', "Patient.birthDate.extension('http://other').exists()", "[false]"},
    {'p', "Patient.extension('http://example.org/ext/eyes').value", "['blue']"},
    {'p', "Patient.extension.where(url = 'http://example.org/ext/eyes').value.ofType(string)", "['blue']"},
    {'p', "Patient.extension.value is string", "[true]"},
    {'p', "Patient.birthDate.hasValue()", "[true]"},
    {'p', "Patient.birthDate.getValue()", "[@1974-12-25]"},
    {'p', "Patient.name.first().hasValue()", "[false]"},
    {'p', "Patient.name.first().getValue()", "[]"},
    {'p', "Patient.active.hasValue()", "[true]"},
    {'p', "Patient.birthDate.children().count()", "[2]"},

    // --- resolve() (FHIR additions) ---
    {'p', "Patient.managingOrganization.resolve().name", "['Gastro Clinic']"},
    {'p', "Patient.managingOrganization.resolve() is Organization", "[true]"},
    {'p', "Patient.managingOrganization.resolve().ofType(Organization).id", "['org1']"},
    {'p', "Patient.generalPractitioner.resolve().name.family", "['Resolved']"},
    {'p', "Patient.link.other.resolve()", "[]"},
    {'p', "'#org1'.resolve().id", "['org1']"},
    {'p', "Patient.contained.id", "['org1']"},
    {'p', "Patient.contained.name", "['Gastro Clinic']"},
    {'p', "Patient.contained.ofType(Organization).count()", "[1]"},
    {'p', "Patient.contained.first() is Organization", "[true]"},
    {'b', "Bundle.entry.resource.ofType(Observation).subject.resolve().name.family", "['One']"},
    {'b', "Bundle.entry.resource.ofType(Observation).performer.resolve().id", "['o2']"},
    {'b', "Bundle.entry.resource.count()", "[2]"},
    {'b', "Bundle.entry.resource.ofType(Patient).id", "['p1']"},
    {'b', "Bundle.entry.resource.where($this is Observation).status", "['final']"},
    {'b', "Bundle.entry.resource.id", "['p1', 'o2']"},

    // --- memberOf (FHIR additions, value sets the model knows) ---
    {'p', "Patient.gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", "[true]"},
    {'p', "'nope'.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", "[false]"},
    {'o', "Observation.status.memberOf('http://hl7.org/fhir/ValueSet/observation-status')", "[true]"},
    {'p', "Patient.gender.memberOf('http://example.org/unknown')", "[]"},

    // --- choice types on an Observation (FHIR additions) ---
    {'o', "Observation.value", "[185.5 '[lb_av]']"},
    {'o', "Observation.value.select($this.unit & '/' & code)", "['lbs/[lb_av]']"},
    {'o', "Observation.value.value", "[185.5]"},
    {'o', "Observation.value.unit", "['lbs']"},
    {'o', "Observation.value is Quantity", "[true]"},
    {'o', "Observation.value is FHIR.Quantity", "[true]"},
    {'o', "Observation.value is System.Quantity", "[false]"},
    {'o', "Observation.value is string", "[false]"},
    {'o', "(Observation.value as Quantity).unit", "['lbs']"},
    {'o', "Observation.value.as(Quantity).unit", "['lbs']"},
    {'o', "Observation.value.ofType(Quantity).code", "['[lb_av]']"},
    {'o', "Observation.value.ofType(CodeableConcept)", "[]"},
    {'o', "(Observation.value as CodeableConcept).text", "[]"},
    {'o', "Observation.valueQuantity.value", "[185.5]"},
    {'o', "Observation.valueQuantity is Quantity", "[true]"},
    {'o', "Observation.valueString.exists()", "[false]"},
    {'o', "Observation.value.value > 180", "[true]"},
    {'o', "Observation.value.value = 185.5", "[true]"},
    {'o', "Observation.effective", "[@2016-03-28T09:30:00+01:00]"},
    {'o', "Observation.effective is dateTime", "[true]"},
    {'o', "Observation.effective > @2016-03-28T08:00:00Z", "[true]"},
    {'o', "Observation.effective = @2016-03-28T08:30:00Z", "[true]"},
    {'o', "Observation.issued is instant", "[true]"},
    {'o', "Observation.issued < now()", "[true]"},
    {'o', "Observation.component.value", "['x', 3, {\"text\":\"cc\"}]"},
    {'o', "Observation.component.value.ofType(string)", "['x']"},
    {'o', "Observation.component.value.ofType(integer)", "[3]"},
    {'o', "Observation.component.where(code.text = 'b').value + 1", "[4]"},
    {'o', "Observation.component.value.ofType(CodeableConcept).text", "['cc']"},
    {'o', "Observation.code.coding.where(system = %loinc).code", "['29463-7']"},
    {'o', "Observation.code.coding.where(system = %sct).code", "['27113001']"},
    {'o', "Observation.code.coding.code.count()", "[2]"},
    {'o', "Observation.subject.reference", "['Patient/example']"},
    {'o', "Observation.subject.resolve().id", "['example-resolved']"},
    {'o', "Observation.descendants().ofType(Coding).count()", "[3]"},
    {'o', "Observation.descendants().ofType(Quantity).value", "[185.5]"},
    {'o', "Observation.children().count()", "[11]"},
    {'o', "Observation.code.children().count()", "[2]"},
    {'o', "Observation.status.children()", "[]"},
    {'o', "Observation.component.code.text.aggregate($total & $this, '')", "['abc']"},
    {'o', "Observation.value.value.toQuantity() = 185.5 '1'", "[true]"},
    {'o', "Observation.value.toQuantity()", "[185.5 '[lb_av]']"},
    {'o', "Observation.value > 100 '[lb_av]'", "[true]"},
    {'o', "Observation.value.toQuantity('g') > 80000 'g'", "[true]"},
    {'o', "Observation.value = 185.5 '[lb_av]'", "[true]"},
    {'o', "Observation.value ~ 185.5 '[lb_av]'", "[true]"},
    {'o', "Observation.value.toQuantity('m')", "[]"},

    // --- errors and bad input ---
    {'n', "unknownFunction()", "error"},
    {'n', "1.first(1)", "error"},
    {'n', "(1 | 2).where()", "error"},
    {'n', "substring()", "error"},
    {'n', "'a'.substring('x')", "error"},
    {'p', "Patient.name.given + 1", "error"},
    {'p', "Patient.name.where(given)", "error"},
};
// clang-format on

struct SyntaxCase
{
    const char *expression;
    const char *error; // expected prefix: "line:column: expected ..."
};

// clang-format off
const SyntaxCase kSyntaxErrors[] = {
    {"", "1:1: expected an expression"},
    {"1 +", "1:4: expected an expression"},
    {"Patient.name.where(", "1:20: expected an expression"},
    {"Patient.name.where(use = 'official'", "1:36: expected ',' or ')'"},
    {"(1 + 2", "1:7: expected ')'"},
    {"Patient.", "1:9: expected a name after '.'"},
    {"Patient..name", "1:9: expected a name after '.'"},
    {"'unterminated", "1:1: expected a closing '"},
    {"1 2", "1:3: expected an operator or end of expression"},
    {"Patient.name[0", "1:15: expected ']'"},
    {"1 is", "1:5: expected a type name"},
    {"@", "1:1: expected a date, dateTime or time after '@'"},
    {"@2012-99", "1:1: invalid date"},
    {"$foo", "1:1: expected $this, $index or $total"},
    {"%", "1:1: expected a variable name after '%'"},
    {"a ? b", "1:3: expected an expression but found '?'"},
    {"{1}", "1:2: expected '}'"},
    {"Patient.name\n  .where(use = )", "2:16: expected an expression but found ')'"},
    {"'\\u00zz'", "1:1: expected four hex digits"},
    {"f(1,)", "1:5: expected an expression"},
};
// clang-format on

nlohmann::json fixture(char name)
{
    switch (name) {
    case 'p':
        return nlohmann::json::parse(patientJson());
    case 'o':
        return nlohmann::json::parse(observationJson());
    case 'b':
        return nlohmann::json::parse(bundleJson());
    default:
        return nlohmann::json::object();
    }
}

} // namespace

class TestFhirPath : public QObject
{
    Q_OBJECT

private:
    Environment m_env;
    nlohmann::json m_resolved = nlohmann::json::parse(
        R"({"resourceType": "Practitioner", "id": "p1", "name": [{"family": "Resolved"}]})");
    nlohmann::json m_resolvedPatient
        = nlohmann::json::parse(R"({"resourceType": "Patient", "id": "example-resolved"})");

private Q_SLOTS:
    void initTestCase()
    {
        m_env.model = loadTestModel();
        m_env.now = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123), Qt::UTC);
        m_env.variables.insert(u"who"_s, {Item::string(u"world"_s)});
        m_env.variables.insert(u"numbers"_s,
                               {Item::integer(1), Item::integer(2), Item::integer(3)});
        m_env.resolver = [this](const QString &reference) -> const nlohmann::json * {
            if (reference == "Practitioner/p1"_L1)
                return &m_resolved;
            if (reference == "Patient/example"_L1)
                return &m_resolvedPatient;
            return nullptr;
        };
    }

    void specification_data()
    {
        QTest::addColumn<char>("fixture");
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("expected");
        int row = 0;
        for (const Case &c : kCases) {
            QTest::addRow("%d: %s", ++row, c.expression)
                << c.fixture << QString::fromUtf8(c.expression) << QString::fromUtf8(c.expected);
        }
    }

    void specification()
    {
        QFETCH(char, fixture);
        QFETCH(QString, expression);
        QFETCH(QString, expected);
        const nlohmann::json resource = ::fixture(fixture);
        auto parsed = Expression::parse(expression);
        QString actual;
        if (!parsed) {
            actual = u"error"_s;
        } else {
            const auto result = parsed->evaluate(resource, m_env);
            actual = render(result);
            if (!result && expected != "error"_L1)
                qWarning() << result.error();
        }
        QCOMPARE(actual, expected);
    }

    void syntaxErrors_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("error");
        int row = 0;
        for (const SyntaxCase &c : kSyntaxErrors) {
            QTest::addRow("%d: %s", ++row, c.expression)
                << QString::fromUtf8(c.expression) << QString::fromUtf8(c.error);
        }
    }

    void syntaxErrors()
    {
        QFETCH(QString, expression);
        QFETCH(QString, error);
        auto parsed = Expression::parse(expression);
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().startsWith(error), qPrintable(parsed.error()));
    }

    // Runtime errors name the position of the failing node.
    void runtimeErrorPosition()
    {
        auto parsed = Expression::parse(u"Patient.name.given.single()"_s);
        QVERIFY(parsed);
        const auto result = parsed->evaluate(fixture('p'), m_env);
        QVERIFY(!result);
        QVERIFY2(result.error().startsWith("1:20: single() on 5 items"_L1),
                 qPrintable(result.error()));
    }

    // Without a model the engine still walks the JSON; choice elements need their JSON name.
    void withoutModel_data()
    {
        QTest::addColumn<char>("fixture");
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("expected");
        QTest::newRow("path") << 'p' << u"Patient.name.given.first()"_s << u"['Peter']"_s;
        QTest::newRow("where") << 'p' << u"Patient.name.where(use = 'usual').given"_s
                               << u"['Jim']"_s;
        QTest::newRow("choice needs json name") << 'o' << u"Observation.value"_s << u"[]"_s;
        QTest::newRow("json name") << 'o' << u"Observation.valueQuantity.unit"_s << u"['lbs']"_s;
        QTest::newRow("date as string compares")
            << 'p' << u"Patient.birthDate < @2000-01-01"_s << u"[true]"_s;
        QTest::newRow("resource type") << 'p' << u"Patient is Patient"_s << u"[true]"_s;
        QTest::newRow("resource base") << 'p' << u"Resource.id"_s << u"['example']"_s;
        QTest::newRow("primitive extension")
            << 'p' << u"Patient.birthDate.extension.url"_s
            << u"['http://hl7.org/fhir/StructureDefinition/patient-birthTime']"_s;
        QTest::newRow("contained")
            << 'p' << u"Patient.managingOrganization.resolve().name"_s << u"['Gastro Clinic']"_s;
        QTest::newRow("descendants")
            << 'o' << u"Observation.descendants().code.count()"_s << u"[7]"_s;
        QTest::newRow("memberOf without model")
            << 'p'
            << u"Patient.gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')"_s
            << u"[]"_s;
    }

    void withoutModel()
    {
        QFETCH(char, fixture);
        QFETCH(QString, expression);
        QFETCH(QString, expected);
        auto parsed = Expression::parse(expression);
        QVERIFY2(parsed, qPrintable(parsed.error()));
        const nlohmann::json resource = ::fixture(fixture);
        QCOMPARE(render(parsed->evaluate(resource, Environment{})), expected);
    }

    void traceCallback()
    {
        Environment env = m_env;
        QStringList seen;
        env.tracer = [&seen](const QString &name, const Collection &items) {
            seen << name + u'=' + QString::number(items.size());
        };
        auto parsed = Expression::parse(u"Patient.name.trace('names').given.trace('g', $this)"_s);
        QVERIFY(parsed);
        QCOMPARE(render(parsed->evaluate(fixture('p'), env)).count(u','), 4);
        QCOMPARE(seen, QStringList({u"names=3"_s, u"g=5"_s}));
    }

    // An element as the input (how the validator checks a constraint on an element).
    void elementInput()
    {
        const nlohmann::json patient = fixture('p');
        auto names = Expression::parse(u"Patient.name"_s)->evaluate(patient, m_env);
        QVERIFY(names);
        auto rule = Expression::parse(u"family.exists() or given.exists()"_s);
        QVERIFY(rule);
        for (const Item &name : *names) {
            auto r = rule->evaluate(Collection{name}, patient, m_env);
            QVERIFY(r);
            QCOMPARE(toBoolean(*r), std::optional<bool>(true));
        }
        auto context = Expression::parse(u"%context.given.count()"_s);
        QCOMPARE(render(context->evaluate(Collection{names->first()}, patient, m_env)), u"[2]"_s);
    }

    void jsonOutput()
    {
        const nlohmann::json patient = fixture('p');
        auto r = Expression::parse(u"Patient.birthDate | Patient.name.first().given.first() | "
                                   "Patient.active | 5 'mg' | @2012-01-01T10:00 | 1.50 | "
                                   "@T10:00 | @2012"_s)
                     ->evaluate(patient, m_env);
        QVERIFY(r);
        nlohmann::json array = nlohmann::json::array();
        for (const Item &i : *r)
            array.push_back(i.toJson());
        QCOMPARE(QString::fromStdString(array.dump()),
                 uR"([{"type":"date","value":"@1974-12-25"},{"type":"string","value":"Peter"},)"
                 uR"({"type":"boolean","value":true},{"type":"Quantity","value":"5 'mg'"},)"
                 uR"({"type":"DateTime","value":"@2012-01-01T10:00"},)"
                 uR"({"type":"Decimal","value":1.5},{"type":"Time","value":"@T10:00"},)"
                 uR"({"type":"Date","value":"@2012"}])"_s);

        // A Quantity from the resource prints as a FHIRPath quantity literal too.
        const nlohmann::json observation = {{"resourceType", "Observation"},
                                            {"status", "final"},
                                            {"valueQuantity",
                                             {{"value", 7.2},
                                              {"unit", "%"},
                                              {"system", "http://unitsofmeasure.org"},
                                              {"code", "%"}}}};
        auto q = Expression::parse(u"Observation.value"_s)->evaluate(observation, m_env);
        QVERIFY(q);
        QCOMPARE(q->size(), 1);
        QCOMPARE(QString::fromStdString(q->at(0).toJson().dump()),
                 uR"({"type":"Quantity","value":"7.2 '%'"})"_s);
    }

    // Pathological input: deep nesting is refused, cycles and blow-ups are bounded, junk
    // never crashes.
    void robustness()
    {
        QString deep = u"1"_s;
        for (int i = 0; i < 5000; ++i)
            deep = u'(' + deep + u')';
        QVERIFY(!Expression::parse(deep));
        QString minus = QString(5000, u'-') + u'1';
        QVERIFY(!Expression::parse(minus));
        QString chain = u"1"_s;
        for (int i = 0; i < 3000; ++i)
            chain += u" + 1"_s;
        auto longChain = Expression::parse(chain);
        QVERIFY(longChain); // a left-associative chain parses flat, evaluates deep: bounded
        QVERIFY(!longChain->evaluate(nlohmann::json::object(), m_env));
        for (int i = 0; i < 100000; ++i)
            chain += u" + 1"_s;
        const auto tooLong = Expression::parse(chain);
        QVERIFY(!tooLong);
        QVERIFY2(tooLong.error().contains("at most 10000 tokens"_L1), qPrintable(tooLong.error()));

        const nlohmann::json patient = fixture('p');
        auto cycle = Expression::parse(u"Patient.repeat($this).count()"_s);
        QVERIFY(cycle);
        QCOMPARE(render(cycle->evaluate(patient, m_env)), u"[1]"_s);
        auto blowup = Expression::parse(
            u"(1|2|3|4|5|6|7|8|9|10).repeat(($this | $this + 10) .where($this < 1000000))"_s);
        QVERIFY(blowup);
        QVERIFY(!blowup->evaluate(patient, m_env));

        // Junk: every prefix of a few real expressions, and some noise.
        const QStringList seeds = {
            u"Patient.name.where(use = 'official' and given.exists()).given.first().substring(1, 2)"_s,
            u"(Observation.value as Quantity).value > 5 'mg' implies %resource.id.matches('[a-z]+')"_s,
            u"@2012-01-01T10:00:00.000+02:00 + 3 months | {} | $this[0].ofType(FHIR.`Quantity`)"_s,
            u"iif(a.b.c.exists(), 'x\\u0041\\'', -(1.5).round(2)) ~ %`ext-x` !~ $index"_s,
        };
        int parsedCount = 0;
        for (const QString &seed : seeds) {
            for (qsizetype n = 0; n <= seed.size(); ++n) {
                for (const QString &text :
                     QStringList{seed.left(n), seed.mid(n), seed.left(n) + u")]'"_s}) {
                    auto e = Expression::parse(text);
                    if (!e)
                        continue;
                    ++parsedCount;
                    (void)e->evaluate(patient, m_env);
                    (void)e->evaluate(fixture('o'), Environment{});
                }
            }
        }
        QVERIFY(parsedCount > 50);
    }

    // Random token soup (fixed seed): whatever parses must evaluate to a value or an error.
    void randomTokens()
    {
        const QStringList vocabulary = {
            u"Patient"_s,    u"name"_s,       u"given"_s,
            u"."_s,          u"("_s,          u")"_s,
            u"["_s,          u"]"_s,          u"0"_s,
            u"1.5"_s,        u"'a'"_s,        u"@2012"_s,
            u"@T10:00"_s,    u"5 'mg'"_s,     u"where("_s,
            u"select("_s,    u"repeat("_s,    u"iif("_s,
            u","_s,          u"+"_s,          u"-"_s,
            u"*"_s,          u"/"_s,          u"div"_s,
            u"mod"_s,        u"&"_s,          u"|"_s,
            u"="_s,          u"~"_s,          u"!="_s,
            u"<"_s,          u">="_s,         u"and"_s,
            u"or"_s,         u"xor"_s,        u"implies"_s,
            u"in"_s,         u"contains"_s,   u"is"_s,
            u"as"_s,         u"Quantity"_s,   u"$this"_s,
            u"$index"_s,     u"$total"_s,     u"%resource"_s,
            u"{}"_s,         u"first()"_s,    u"count()"_s,
            u"exists()"_s,   u"children()"_s, u"descendants()"_s,
            u"toString()"_s, u"resolve()"_s,  u"ofType("_s,
            u"aggregate("_s, u"true"_s,       u"substring("_s,
            u"-1"_s,         u"2147483647"_s, u"extension("_s,
        };
        QRandomGenerator random(20240506);
        const nlohmann::json patient = fixture('p');
        int parsedCount = 0;
        for (int i = 0; i < 4000; ++i) {
            QString text;
            const int length = 1 + int(random.bounded(12));
            for (int t = 0; t < length; ++t)
                text += vocabulary.at(random.bounded(int(vocabulary.size()))) + u' ';
            auto e = Expression::parse(text);
            if (!e) {
                QVERIFY2(QRegularExpression(u"^\\d+:\\d+: "_s).match(e.error()).hasMatch(),
                         qPrintable(text + u" -> "_s + e.error()));
                continue;
            }
            ++parsedCount;
            (void)e->evaluate(patient, m_env);
        }
        qInfo("random token expressions: 4000, %d parsed and evaluated", parsedCount);
        QVERIFY(parsedCount > 100);
    }

    // evaluate() is const: one compiled expression, many threads.
    void threads()
    {
        // A fresh model: the threads race to build its type index.
        Environment env = m_env;
        env.model = *schema::Model::loadDefault();
        auto e = Expression::parse(
            u"Patient.name.where(use = 'official').given.first() | Patient.contained.name "
            "| Patient.birthDate.extension.value.ofType(dateTime).toString()"_s);
        QVERIFY(e);
        const nlohmann::json patient = fixture('p');
        const QString expected = u"['Peter', 'Gastro Clinic', '1974-12-25T14:35:45-05:00']"_s;
        std::atomic<int> ok{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i) {
                    auto r = e->evaluate(patient, env);
                    if (r && render(r) == expected)
                        ++ok;
                }
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(ok.load(), 800);
    }

    // The engine's caches never keep a model alive.
    void modelLifetime()
    {
        std::weak_ptr<const schema::Model> weak;
        {
            Environment env;
            env.model = *schema::Model::loadDefault();
            weak = env.model;
            auto e = Expression::parse(u"Observation.value.unit"_s);
            QCOMPARE(render(e->evaluate(fixture('o'), env)), u"['lbs']"_s);
        }
        QVERIFY(weak.expired());
        // The next model (perhaps at the same address) gets a fresh index.
        Environment env;
        env.model = *schema::Model::loadDefault();
        auto e = Expression::parse(u"Observation.value is Quantity"_s);
        QCOMPARE(render(e->evaluate(fixture('o'), env)), u"[true]"_s);
    }

    void caseCount()
    {
        const int count = int(std::size(kCases)) + int(std::size(kSyntaxErrors));
        qInfo("FHIRPath specification cases: %d", count);
        QVERIFY(count >= 400);
    }
};

QTEST_GUILESS_MAIN(TestFhirPath)
#include "tst_fhirpath.moc"
