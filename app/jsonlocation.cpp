#include "jsonlocation.h"

#include <QStringList>

#include <tuple>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

/// One step of a FHIRPath location: `name`, `name[2]`, `value[x]`, `value.ofType(Quantity)`.
struct Step
{
    QString name;
    int index = -1; ///< -1: none given (the first, or the whole array)
    QString type; ///< from ofType(): the key is name + Type
    bool choice = false; ///< name[x] or ofType(): the key is name + a type name
};

struct Location
{
    QList<Step> steps;
    bool truncated = false; ///< a function (where(), exists()...) ended what can be followed
};

/// "Patient.name[0].given[1]" → name[0], given[1]; the first step, the resource type, is the
/// root object. Steps are split at dots outside parentheses and quotes.
Location parseLocation(const QString &location)
{
    QStringList parts;
    QString part;
    int depth = 0;
    QChar quote;
    for (const QChar c : location) {
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == u'\'' || c == u'"') {
            quote = c;
        } else if (c == u'(') {
            ++depth;
        } else if (c == u')') {
            --depth;
        } else if (c == u'.' && depth == 0) {
            parts.append(part);
            part.clear();
            continue;
        }
        part += c;
    }
    parts.append(part);

    Location out;
    for (qsizetype i = 0; i < parts.size(); ++i) {
        QString text = parts.at(i).trimmed();
        // The resource type (upper case) is the root object; a location may also start at
        // an element of it.
        if (i == 0 && !text.isEmpty() && text.at(0).isUpper())
            continue;
        if (text.startsWith(u"ofType("_s) && text.endsWith(u')') && !out.steps.isEmpty()) {
            QString type = text.mid(7, text.size() - 8).trimmed();
            type = type.mid(type.lastIndexOf(u'.') + 1); // FHIR.Quantity, System.String
            if (!type.isEmpty())
                type[0] = type.at(0).toUpper();
            out.steps.last().type = type;
            out.steps.last().choice = true;
            continue;
        }
        if (text.contains(u'(') || text.isEmpty()) {
            out.truncated = true;
            break;
        }
        Step step;
        if (text.endsWith(u']')) {
            const qsizetype open = text.lastIndexOf(u'[');
            const QString inside = text.mid(open + 1, text.size() - open - 2);
            if (inside == u"x"_s) {
                step.choice = true;
            } else {
                bool ok = false;
                step.index = inside.toInt(&ok);
                if (!ok || step.index < 0) {
                    out.truncated = true;
                    break;
                }
            }
            text.truncate(open);
            if (text.endsWith(u"[x]"_s)) { // value[x][0]
                step.choice = true;
                text.chop(3);
            }
        }
        step.name = text;
        out.steps.append(step);
    }
    return out;
}

/// One level of the JSON path being scanned: an object's key, or an array's index.
struct Component
{
    QString key; ///< empty for an array index
    int index = -1;
};

bool keyMatches(const QString &key, const Step &step)
{
    if (!step.type.isEmpty())
        return key == step.name + step.type;
    if (key == step.name)
        return !step.choice || step.name.isEmpty();
    // A choice element: "deceased" and "deceased[x]" name deceasedBoolean, deceasedDateTime...
    return key.size() > step.name.size() && key.startsWith(step.name)
        && key.at(step.name.size()).isUpper();
}

/// A small scanner over JSON text that reports every value with its path; exact parsing is
/// nlohmann's job, this only needs positions.
class Scanner
{
public:
    Scanner(const QString &text, Location target)
        : m_text(text)
        , m_target(std::move(target))
    {
    }

    bool run()
    {
        skipSpace();
        return value(m_pos);
    }

    JsonSpan best() const { return m_best; }

private:
    void skipSpace()
    {
        while (m_pos < m_text.size() && m_text.at(m_pos).isSpace())
            ++m_pos;
    }

    bool string()
    {
        if (m_pos >= m_text.size() || m_text.at(m_pos) != u'"')
            return false;
        for (++m_pos; m_pos < m_text.size(); ++m_pos) {
            const QChar c = m_text.at(m_pos);
            if (c == u'\\')
                ++m_pos;
            else if (c == u'"') {
                ++m_pos;
                return true;
            }
        }
        return false;
    }

    /// How far the current path follows the target, in half steps (an array around the item
    /// a step asks for is half way into that step), or -1 when it leaves it. `full` is set
    /// when the path is the element of the last step.
    int stepsFollowed(bool isArray, bool &full) const
    {
        full = false;
        const QList<Step> &steps = m_target.steps;
        qsizetype s = 0;
        for (qsizetype j = 0; j < m_path.size(); ++j) {
            const Component &c = m_path.at(j);
            if (c.key.isEmpty() || s == steps.size() || !keyMatches(c.key, steps.at(s)))
                return -1;
            const Step &step = steps.at(s);
            if (j + 1 < m_path.size() && m_path.at(j + 1).key.isEmpty()) {
                // An item of the array: the one the step names, or the first.
                if (m_path.at(j + 1).index != qMax(step.index, 0))
                    return -1;
                ++j;
            } else if (j + 1 == m_path.size() && isArray && step.index >= 0) {
                return int(2 * s + 1); // the array around the item asked for
            } else if (step.index > 0) {
                return -1; // a single value has no second item
            }
            ++s;
        }
        full = s == steps.size();
        return int(2 * s);
    }

    void record(qsizetype start, bool isArray)
    {
        bool full = false;
        const int followed = stepsFollowed(isArray, full);
        if (followed < 0)
            return;
        const bool exact = full && !m_target.truncated;
        // The element itself wins; else the deepest element on the way to it. Among equals,
        // the smaller path: a whole repeating element before its first item.
        const std::tuple<bool, int, qsizetype> score{exact, followed, -m_path.size()};
        if (m_best.isValid() && score <= m_bestScore)
            return;
        m_best = {start, m_pos, exact};
        m_bestScore = score;
    }

    bool value(qsizetype start)
    {
        if (m_pos >= m_text.size())
            return false;
        const QChar c = m_text.at(m_pos);
        bool ok = true;
        if (c == u'{') {
            ++m_pos;
            skipSpace();
            if (m_pos < m_text.size() && m_text.at(m_pos) == u'}') {
                ++m_pos;
            } else {
                while (true) {
                    skipSpace();
                    const qsizetype keyStart = m_pos;
                    if (!string())
                        return false;
                    const QString key = m_text.mid(keyStart + 1, m_pos - keyStart - 2);
                    skipSpace();
                    if (m_pos >= m_text.size() || m_text.at(m_pos) != u':')
                        return false;
                    ++m_pos;
                    skipSpace();
                    m_path.append({key, -1});
                    const bool inner = value(keyStart);
                    m_path.removeLast();
                    if (!inner)
                        return false;
                    skipSpace();
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u',') {
                        ++m_pos;
                        continue;
                    }
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u'}') {
                        ++m_pos;
                        break;
                    }
                    return false;
                }
            }
        } else if (c == u'[') {
            ++m_pos;
            skipSpace();
            if (m_pos < m_text.size() && m_text.at(m_pos) == u']') {
                ++m_pos;
            } else {
                for (int index = 0;; ++index) {
                    skipSpace();
                    m_path.append({QString(), index});
                    const bool inner = value(m_pos);
                    m_path.removeLast();
                    if (!inner)
                        return false;
                    skipSpace();
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u',') {
                        ++m_pos;
                        continue;
                    }
                    if (m_pos < m_text.size() && m_text.at(m_pos) == u']') {
                        ++m_pos;
                        break;
                    }
                    return false;
                }
            }
        } else if (c == u'"') {
            ok = string();
        } else {
            const qsizetype literal = m_pos;
            while (m_pos < m_text.size()
                   && (m_text.at(m_pos).isLetterOrNumber() || m_text.at(m_pos) == u'-'
                       || m_text.at(m_pos) == u'+' || m_text.at(m_pos) == u'.'))
                ++m_pos;
            ok = m_pos > literal;
        }
        if (ok)
            record(start, c == u'[');
        return ok;
    }

    const QString &m_text;
    const Location m_target;
    qsizetype m_pos = 0;
    QList<Component> m_path;
    JsonSpan m_best;
    std::tuple<bool, int, qsizetype> m_bestScore{false, -1, 0};
};

} // namespace

JsonSpan locateJsonPath(const QString &json, const QString &location)
{
    Scanner scanner(json, parseLocation(location));
    if (!scanner.run())
        return {};
    return scanner.best();
}

} // namespace fhir::app
