// The FHIRPath lexer and a precedence-climbing parser (FHIRPath N1, §"Grammar").

#include "schemas/fhirpath/parser.h"
#include "schemas/fhirpath/ast.h"
#include "schemas/fhirpath/fhirpath.h"

#include <QHash>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace fhir::fhirpath {

namespace {

constexpr size_t kMaxTokens = 10000;
constexpr int kMaxDepth = 200; // nesting bound: deeper input is refused, not recursed into

struct Token
{
    enum Kind { End, Identifier, Delimited, String, Number, DateTime, Time, Variable, Special, Op };
    Kind kind = End;
    QString text; ///< identifier/op text, decoded string, number text, literal text
    int offset = 0;
    int line = 1;
    int column = 1;
};

QString kindName(const Token &t)
{
    switch (t.kind) {
    case Token::End:
        return u"end of expression"_s;
    case Token::String:
        return u"string '%1'"_s.arg(t.text);
    default:
        return u"'%1'"_s.arg(t.text);
    }
}

class Lexer
{
public:
    explicit Lexer(const QString &text)
        : m_text(text)
    {
    }

    Result<std::vector<Token>> run()
    {
        std::vector<Token> out;
        for (;;) {
            skipSpace();
            Token t;
            t.offset = int(m_pos);
            t.line = m_line;
            t.column = int(m_pos - m_lineStart) + 1;
            if (m_pos >= m_text.size()) {
                out.push_back(t);
                return out;
            }
            const QChar c = m_text.at(m_pos);
            if (c.isLetter() || c == u'_') {
                qsizetype end = m_pos;
                while (end < m_text.size()
                       && (m_text.at(end).isLetterOrNumber() || m_text.at(end) == u'_'))
                    ++end;
                t.kind = Token::Identifier;
                t.text = m_text.mid(m_pos, end - m_pos);
                m_pos = end;
            } else if (c.isDigit()) {
                qsizetype end = m_pos;
                while (end < m_text.size() && m_text.at(end).isDigit())
                    ++end;
                if (end + 1 < m_text.size() && m_text.at(end) == u'.'
                    && m_text.at(end + 1).isDigit()) {
                    ++end;
                    while (end < m_text.size() && m_text.at(end).isDigit())
                        ++end;
                }
                t.kind = Token::Number;
                t.text = m_text.mid(m_pos, end - m_pos);
                m_pos = end;
            } else if (c == u'\'' || c == u'`') {
                Result<QString> s = quoted(c);
                if (!s)
                    return Error{s.error()};
                t.kind = c == u'\'' ? Token::String : Token::Delimited;
                t.text = *s;
            } else if (c == u'@') {
                static const QRegularExpression dateTime(
                    u"\\G@(\\d{4}(-\\d{2}(-\\d{2})?)?(T(\\d{2}(:\\d{2}(:\\d{2}(\\.\\d+)?)?)?)?"
                    "(Z|[+-]\\d{2}:\\d{2})?)?)"_s);
                static const QRegularExpression time(
                    u"\\G@T(\\d{2}(:\\d{2}(:\\d{2}(\\.\\d+)?)?)?)"_s);
                QRegularExpressionMatch m = time.match(m_text, m_pos);
                if (m.hasMatch()) {
                    t.kind = Token::Time;
                    t.text = m.captured(1);
                } else if (m = dateTime.match(m_text, m_pos); m.hasMatch()) {
                    t.kind = Token::DateTime;
                    t.text = m.captured(1);
                } else {
                    return error(t, u"a date, dateTime or time after '@'"_s);
                }
                m_pos += m.capturedLength(0);
            } else if (c == u'%') {
                ++m_pos;
                t.kind = Token::Variable;
                if (m_pos < m_text.size()
                    && (m_text.at(m_pos) == u'`' || m_text.at(m_pos) == u'\'')) {
                    Result<QString> s = quoted(m_text.at(m_pos));
                    if (!s)
                        return Error{s.error()};
                    t.text = *s;
                } else {
                    qsizetype end = m_pos;
                    while (end < m_text.size()
                           && (m_text.at(end).isLetterOrNumber() || m_text.at(end) == u'_'
                               || m_text.at(end) == u'-'))
                        ++end;
                    if (end == m_pos)
                        return error(t, u"a variable name after '%'"_s);
                    t.text = m_text.mid(m_pos, end - m_pos);
                    m_pos = end;
                }
            } else if (c == u'$') {
                qsizetype end = m_pos + 1;
                while (end < m_text.size() && m_text.at(end).isLetter())
                    ++end;
                t.kind = Token::Special;
                t.text = m_text.mid(m_pos, end - m_pos);
                if (t.text != "$this"_L1 && t.text != "$index"_L1 && t.text != "$total"_L1)
                    return error(t, u"$this, $index or $total"_s);
                m_pos = end;
            } else {
                static const QString two[] = {u"<="_s, u">="_s, u"!="_s, u"!~"_s};
                t.kind = Token::Op;
                for (const QString &op : two) {
                    if (QStringView(m_text).mid(m_pos).startsWith(op)) {
                        t.text = op;
                        break;
                    }
                }
                if (t.text.isEmpty()) {
                    if (!u".[](),+-*/|&=~<>{}"_s.contains(c))
                        return error(t, u"an expression"_s, u"'%1'"_s.arg(c));
                    t.text = c;
                }
                m_pos += t.text.size();
            }
            out.push_back(std::move(t));
        }
    }

private:
    Error error(const Token &at, const QString &expected, const QString &found = QString())
    {
        return Error{u"%1:%2: expected %3%4"_s.arg(at.line).arg(at.column).arg(
            expected, found.isEmpty() ? QString() : u" but found "_s + found)};
    }

    void skipSpace()
    {
        for (;;) {
            while (m_pos < m_text.size() && m_text.at(m_pos).isSpace()) {
                if (m_text.at(m_pos) == u'\n') {
                    ++m_line;
                    m_lineStart = m_pos + 1;
                }
                ++m_pos;
            }
            if (m_pos + 1 < m_text.size() && m_text.at(m_pos) == u'/'
                && m_text.at(m_pos + 1) == u'/') {
                while (m_pos < m_text.size() && m_text.at(m_pos) != u'\n')
                    ++m_pos;
                continue;
            }
            if (m_pos + 1 < m_text.size() && m_text.at(m_pos) == u'/'
                && m_text.at(m_pos + 1) == u'*') {
                const qsizetype end = m_text.indexOf(u"*/"_s, m_pos + 2);
                m_pos = end < 0 ? m_text.size() : end + 2;
                continue;
            }
            return;
        }
    }

    Result<QString> quoted(QChar quote)
    {
        Token start;
        start.line = m_line;
        start.column = int(m_pos - m_lineStart) + 1;
        QString out;
        ++m_pos;
        while (m_pos < m_text.size()) {
            const QChar c = m_text.at(m_pos++);
            if (c == quote)
                return out;
            if (c != u'\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_text.size())
                break;
            const QChar e = m_text.at(m_pos++);
            switch (e.unicode()) {
            case 't':
                out += u'\t';
                break;
            case 'n':
                out += u'\n';
                break;
            case 'r':
                out += u'\r';
                break;
            case 'f':
                out += u'\f';
                break;
            case 'u': {
                bool ok = false;
                const uint code = m_text.mid(m_pos, 4).toUInt(&ok, 16);
                if (!ok || m_pos + 4 > m_text.size())
                    return error(start, u"four hex digits after \\u"_s);
                out += QChar(char16_t(code));
                m_pos += 4;
                break;
            }
            default: // \' \" \` \\ \/ and any other character stand for themselves
                out += e;
            }
        }
        return error(start, u"a closing %1"_s.arg(quote), u"end of expression"_s);
    }

    const QString &m_text;
    qsizetype m_pos = 0;
    qsizetype m_lineStart = 0;
    int m_line = 1;
};

bool isCalendarUnit(const QString &word)
{
    static const QStringList units
        = {u"year"_s,   u"years"_s,   u"month"_s,       u"months"_s,      u"week"_s,   u"weeks"_s,
           u"day"_s,    u"days"_s,    u"hour"_s,        u"hours"_s,       u"minute"_s, u"minutes"_s,
           u"second"_s, u"seconds"_s, u"millisecond"_s, u"milliseconds"_s};
    return units.contains(word);
}

int binaryPrecedence(const Token &t)
{
    if (t.kind == Token::Op) {
        const QString &s = t.text;
        if (s == "*"_L1 || s == "/"_L1)
            return 10;
        if (s == "+"_L1 || s == "-"_L1 || s == "&"_L1)
            return 9;
        if (s == "|"_L1)
            return 7;
        if (s == "<"_L1 || s == ">"_L1 || s == "<="_L1 || s == ">="_L1)
            return 6;
        if (s == "="_L1 || s == "~"_L1 || s == "!="_L1 || s == "!~"_L1)
            return 5;
        return 0;
    }
    if (t.kind == Token::Identifier) {
        const QString &s = t.text;
        if (s == "div"_L1 || s == "mod"_L1)
            return 10;
        if (s == "is"_L1 || s == "as"_L1)
            return 8;
        if (s == "in"_L1 || s == "contains"_L1)
            return 4;
        if (s == "and"_L1)
            return 3;
        if (s == "or"_L1 || s == "xor"_L1)
            return 2;
        if (s == "implies"_L1)
            return 1;
    }
    return 0;
}

Op opCode(const QString &s)
{
    static const QHash<QString, Op> ops = {
        {u"and"_s, Op::And},
        {u"or"_s, Op::Or},
        {u"xor"_s, Op::Xor},
        {u"implies"_s, Op::Implies},
        {u"|"_s, Op::Union},
        {u"="_s, Op::Equal},
        {u"!="_s, Op::NotEqual},
        {u"~"_s, Op::Equivalent},
        {u"!~"_s, Op::NotEquivalent},
        {u"in"_s, Op::In},
        {u"contains"_s, Op::Contains},
        {u"&"_s, Op::Concatenate},
        {u"<"_s, Op::Less},
        {u">"_s, Op::Greater},
        {u"<="_s, Op::LessOrEqual},
        {u">="_s, Op::GreaterOrEqual},
        {u"+"_s, Op::Add},
        {u"-"_s, Op::Subtract},
        {u"*"_s, Op::Multiply},
        {u"/"_s, Op::Divide},
        {u"div"_s, Op::Div},
        {u"mod"_s, Op::Mod},
    };
    return ops.value(s, Op::None);
}

void setKeys(Node &n)
{
    n.key = n.name.toStdString();
    n.extensionKey = '_' + n.key;
}

class Parser
{
public:
    explicit Parser(std::vector<Token> tokens)
        : m_tokens(std::move(tokens))
    {
    }

    Result<std::unique_ptr<Node>> parseAll()
    {
        auto e = expression(1);
        if (!e)
            return e;
        if (peek().kind != Token::End)
            return expected(u"an operator or end of expression"_s);
        return e;
    }

private:
    using NodeResult = Result<std::unique_ptr<Node>>;

    const Token &peek(int ahead = 0) const
    {
        const size_t i = std::min(m_pos + size_t(ahead), m_tokens.size() - 1);
        return m_tokens[i];
    }
    const Token &next() { return m_tokens[std::min(m_pos++, m_tokens.size() - 1)]; }
    bool isOp(const Token &t, const char *op) const
    {
        return t.kind == Token::Op && t.text == QLatin1String(op);
    }

    Error expected(const QString &what) const
    {
        const Token &t = peek();
        return Error{
            u"%1:%2: expected %3 but found %4"_s.arg(t.line).arg(t.column).arg(what, kindName(t))};
    }

    std::unique_ptr<Node> make(Node::Type type, const Token &at)
    {
        auto n = std::make_unique<Node>();
        n->type = type;
        n->offset = at.offset;
        n->line = at.line;
        n->column = at.column;
        return n;
    }

    struct DepthGuard
    {
        int &depth;
        explicit DepthGuard(int &d)
            : depth(d)
        {
            ++depth;
        }
        ~DepthGuard() { --depth; }
    };

    NodeResult expression(int minPrecedence)
    {
        DepthGuard guard(m_depth);
        if (m_depth > kMaxDepth)
            return expected(u"less deeply nested expression"_s);
        NodeResult left = unary();
        if (!left)
            return left;
        std::unique_ptr<Node> lhs = std::move(left).value();
        for (;;) {
            const Token &op = peek();
            const int precedence = binaryPrecedence(op);
            if (precedence == 0 || precedence < minPrecedence)
                return lhs;
            next();
            if (precedence == 8) { // is / as: a type specifier on the right
                auto n = make(Node::Type::TypeOp, op);
                n->name = op.text;
                Result<QString> type = typeSpecifier();
                if (!type)
                    return Error{type.error()};
                n->value = Item::string(*type);
                n->args.push_back(std::move(lhs));
                lhs = std::move(n);
                continue;
            }
            NodeResult right = expression(precedence + 1);
            if (!right)
                return right;
            auto n = make(Node::Type::Binary, op);
            n->name = op.text;
            n->op = opCode(op.text);
            n->args.push_back(std::move(lhs));
            n->args.push_back(std::move(right).value());
            lhs = std::move(n);
        }
    }

    Result<QString> typeSpecifier()
    {
        QString name;
        for (;;) {
            const Token &t = peek();
            if (t.kind != Token::Identifier && t.kind != Token::Delimited)
                return expected(u"a type name"_s);
            name += next().text;
            if (isOp(peek(), ".")
                && (peek(1).kind == Token::Identifier || peek(1).kind == Token::Delimited)) {
                next();
                name += u'.';
                continue;
            }
            return name;
        }
    }

    NodeResult unary()
    {
        const Token &t = peek();
        if (isOp(t, "+") || isOp(t, "-")) {
            next();
            DepthGuard guard(m_depth);
            if (m_depth > kMaxDepth)
                return expected(u"less deeply nested expression"_s);
            NodeResult operand = unary();
            if (!operand)
                return operand;
            auto n = make(Node::Type::Unary, t);
            n->name = t.text;
            n->args.push_back(std::move(operand).value());
            return n;
        }
        return postfix();
    }

    NodeResult postfix()
    {
        NodeResult term = primary();
        if (!term)
            return term;
        std::unique_ptr<Node> lhs = std::move(term).value();
        for (;;) {
            const Token &t = peek();
            if (isOp(t, ".")) {
                next();
                const Token &name = peek();
                if (name.kind != Token::Identifier && name.kind != Token::Delimited)
                    return expected(u"a name after '.'"_s);
                next();
                if (isOp(peek(), "(") && name.kind == Token::Identifier) {
                    auto f = make(Node::Type::Function, name);
                    f->name = name.text;
                    f->target = std::move(lhs);
                    if (Result<bool> ok = arguments(*f); !ok)
                        return Error{ok.error()};
                    lhs = std::move(f);
                } else {
                    auto m = make(Node::Type::Member, name);
                    m->name = name.text;
                    setKeys(*m);
                    m->target = std::move(lhs);
                    lhs = std::move(m);
                }
            } else if (isOp(t, "[")) {
                next();
                NodeResult index = expression(1);
                if (!index)
                    return index;
                if (!isOp(peek(), "]"))
                    return expected(u"']'"_s);
                next();
                auto n = make(Node::Type::Indexer, t);
                n->target = std::move(lhs);
                n->args.push_back(std::move(index).value());
                lhs = std::move(n);
            } else {
                return lhs;
            }
        }
    }

    Result<bool> arguments(Node &f)
    {
        next(); // (
        if (isOp(peek(), ")")) {
            next();
            return true;
        }
        for (;;) {
            NodeResult arg = expression(1);
            if (!arg)
                return Error{arg.error()};
            f.args.push_back(std::move(arg).value());
            if (isOp(peek(), ",")) {
                next();
                continue;
            }
            if (isOp(peek(), ")")) {
                next();
                return true;
            }
            return expected(u"',' or ')'"_s);
        }
    }

    NodeResult primary()
    {
        const Token &t = peek();
        switch (t.kind) {
        case Token::End:
            return expected(u"an expression"_s);
        case Token::String: {
            next();
            auto n = make(Node::Type::Literal, t);
            n->value = Item::string(t.text);
            return n;
        }
        case Token::Number: {
            next();
            auto n = make(Node::Type::Literal, t);
            const bool isDecimal = t.text.contains(u'.');
            Item number;
            if (isDecimal) {
                const std::optional<Decimal> d = Decimal::parse(t.text);
                if (!d)
                    return expected(u"a decimal number"_s);
                number = Item::decimal(*d);
            } else {
                bool ok = false;
                const qint64 v = t.text.toLongLong(&ok);
                if (!ok || v > std::numeric_limits<qint32>::max() + qint64(1)) {
                    m_pos--;
                    return expected(u"an integer that fits in 32 bits"_s);
                }
                number = Item::integer(v);
            }
            // A quantity: a number and a unit string or calendar duration keyword.
            const Token &unit = peek();
            if (unit.kind == Token::String
                || (unit.kind == Token::Identifier && isCalendarUnit(unit.text))) {
                next();
                const Decimal value
                    = isDecimal ? number.asDecimal() : Decimal{double(number.asInteger()), 0};
                n->value = Item::quantity({value, unit.text});
            } else {
                n->value = number;
            }
            return n;
        }
        case Token::DateTime: {
            next();
            auto n = make(Node::Type::Literal, t);
            const bool hasTime = t.text.contains(u'T');
            if (hasTime) {
                const auto v = PartialDateTime::parseDateTime(t.text);
                if (!v)
                    return Error{
                        u"%1:%2: invalid dateTime @%3"_s.arg(t.line).arg(t.column).arg(t.text)};
                n->value = Item::dateTime(*v);
            } else {
                const auto v = PartialDateTime::parseDate(t.text);
                if (!v)
                    return Error{
                        u"%1:%2: invalid date @%3"_s.arg(t.line).arg(t.column).arg(t.text)};
                n->value = Item::date(*v);
            }
            return n;
        }
        case Token::Time: {
            next();
            auto n = make(Node::Type::Literal, t);
            const auto v = PartialDateTime::parseTime(t.text);
            if (!v)
                return Error{u"%1:%2: invalid time @T%3"_s.arg(t.line).arg(t.column).arg(t.text)};
            n->value = Item::time(*v);
            return n;
        }
        case Token::Variable: {
            next();
            auto n = make(Node::Type::Variable, t);
            n->name = t.text;
            return n;
        }
        case Token::Special: {
            next();
            const Node::Type type = t.text == "$this"_L1 ? Node::Type::This
                : t.text == "$index"_L1                  ? Node::Type::Index
                                                         : Node::Type::Total;
            return make(type, t);
        }
        case Token::Delimited:
        case Token::Identifier: {
            next();
            if (t.kind == Token::Identifier && (t.text == "true"_L1 || t.text == "false"_L1)) {
                auto n = make(Node::Type::Literal, t);
                n->value = Item::boolean(t.text == "true"_L1);
                return n;
            }
            if (t.kind == Token::Identifier && isOp(peek(), "(")) {
                auto f = make(Node::Type::Function, t);
                f->name = t.text;
                if (Result<bool> ok = arguments(*f); !ok)
                    return Error{ok.error()};
                return f;
            }
            auto n = make(Node::Type::Identifier, t);
            n->name = t.text;
            setKeys(*n);
            return n;
        }
        case Token::Op:
            if (t.text == "("_L1) {
                next();
                NodeResult inner = expression(1);
                if (!inner)
                    return inner;
                if (!isOp(peek(), ")"))
                    return expected(u"')'"_s);
                next();
                return inner;
            }
            if (t.text == "{"_L1) {
                next();
                if (!isOp(peek(), "}"))
                    return expected(u"'}'"_s);
                next();
                return make(Node::Type::Empty, t);
            }
            return expected(u"an expression"_s);
        }
        return expected(u"an expression"_s);
    }

    std::vector<Token> m_tokens;
    size_t m_pos = 0;
    int m_depth = 0;
};

} // namespace

Result<std::unique_ptr<Node>> parseExpression(const QString &text)
{
    Result<std::vector<Token>> tokens = Lexer(text).run();
    if (!tokens)
        return Error{tokens.error()};
    // Bounds the tree (and so the recursion that walks and frees it): the longest expression
    // of the R4 definitions has a few hundred tokens.
    if (tokens->size() > kMaxTokens)
        return Error{u"1:1: expected an expression of at most %1 tokens, found %2"_s.arg(kMaxTokens)
                         .arg(tokens->size())};
    return Parser(std::move(tokens).value()).parseAll();
}

} // namespace fhir::fhirpath
