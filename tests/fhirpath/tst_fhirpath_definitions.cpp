// Every FHIRPath expression the R4 definitions carry: the search parameters' expressions (in
// both spellings of a type filter) and the StructureDefinitions' constraints, parsed and
// evaluated against generated instances of their types.

#include "schemas/fhirpath/fhirpath.h"
#include "schemas/model.h"

#include "fhirpathtest.h"
#include "testmodel.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace fhir;
using namespace fhir::fhirpath;
using nlohmann::json;

namespace {

json readDefinitions(const char *file)
{
    QFile f(QStringLiteral(FHIR_DEFINITIONS_R4_DIR "/") + QString::fromUtf8(file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", file);
    const QByteArray bytes = f.readAll();
    return json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
}

json primitiveSample(const QString &type)
{
    if (type == "boolean"_L1)
        return true;
    if (type == "integer"_L1 || type == "positiveInt"_L1 || type == "unsignedInt"_L1)
        return 1;
    if (type == "decimal"_L1)
        return 1.5;
    if (type == "date"_L1)
        return "2020-01-01";
    if (type == "dateTime"_L1 || type == "instant"_L1)
        return "2020-01-01T10:00:00Z";
    if (type == "time"_L1)
        return "10:00:00";
    if (type == "uri"_L1 || type == "url"_L1 || type == "canonical"_L1)
        return "http://example.org/x";
    return "x";
}

// An instance with one value in every element, a few levels deep, one type per choice.
json sample(const schema::Model &model, const QString &path, int depth)
{
    json out = json::object();
    auto children = model.children(path);
    if (!children)
        return out;
    QSet<const schema::ElementDefinition *> choices;
    for (const schema::ElementNode &child : *children) {
        const schema::ElementDefinition &def = *child.definition;
        const QString name = child.path.mid(child.path.lastIndexOf(u'.') + 1);
        if (def.max == "0"_L1 || name == "extension"_L1 || name == "modifierExtension"_L1
            || name == "contained"_L1)
            continue;
        if (def.isChoice()) {
            if (choices.contains(&def))
                continue;
            choices.insert(&def);
        }
        const QString type = !child.choiceType.isEmpty()
            ? child.choiceType
            : (def.types.isEmpty() ? u"BackboneElement"_s : def.types.first().code);
        json value;
        if (model.isPrimitiveType(type)) {
            value = primitiveSample(type);
        } else if (type == "Resource"_L1 || type == "xhtml"_L1) {
            continue;
        } else {
            if (depth <= 0)
                continue;
            value = sample(model, child.path, depth - 1);
            if (value.empty())
                continue;
        }
        out[name.toStdString()] = def.isArray() ? json::array({value}) : value;
    }
    return out;
}

// `(X as T)` spelled `X.ofType(T)`, as later versions of the definitions write it.
QString ofTypeSpelling(QString expression)
{
    static const QRegularExpression as(
        u"\\(([A-Za-z0-9_.]+(?:\\([^()]*\\))?[A-Za-z0-9_.]*) as ([A-Za-z.]+)\\)"_s);
    expression.replace(as, u"\\1.ofType(\\2)"_s);
    expression.replace(u".as("_s, u".ofType("_s);
    return expression;
}

} // namespace

class TestFhirPathDefinitions : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const schema::Model> m_model;
    QHash<QString, std::shared_ptr<json>> m_instances;

    const json &instance(const QString &type)
    {
        auto &slot = m_instances[type];
        if (!slot) {
            slot = std::make_shared<json>(sample(*m_model, type, 3));
            if (m_model->isResourceType(type) || type == "Resource"_L1
                || type == "DomainResource"_L1)
                (*slot)["resourceType"] = type.toStdString();
        }
        return *slot;
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void searchParameters()
    {
        const json bundle = readDefinitions("search-parameters.json");
        QVERIFY(bundle.is_object());
        Environment env{m_model, {}, {}, {}, {}};
        int parameters = 0, expressions = 0, evaluations = 0, nonEmpty = 0, rewritten = 0;
        QStringList failures;
        QElapsedTimer parseTimer;
        qint64 parseNs = 0;
        for (const json &entry : bundle["entry"]) {
            const json &p = entry["resource"];
            ++parameters;
            const QString text = QString::fromStdString(p.value("expression", std::string()));
            if (text.isEmpty())
                continue; // _text, _content, _query...: no expression in the spec
            const QString other = ofTypeSpelling(text);
            if (other != text)
                ++rewritten;
            for (const QString &spelling : {text, other}) {
                parseTimer.start();
                auto e = Expression::parse(spelling);
                parseNs += parseTimer.nsecsElapsed();
                ++expressions;
                if (!e) {
                    failures << u"parse %1: %2"_s.arg(spelling, e.error());
                    continue;
                }
                for (const json &base : p["base"]) {
                    const QString type = QString::fromStdString(base.get<std::string>());
                    auto r = e->evaluate(instance(type), env);
                    ++evaluations;
                    if (!r)
                        failures << u"%1 on %2: %3"_s.arg(spelling, type, r.error());
                    else if (!r->isEmpty())
                        ++nonEmpty;
                }
            }
        }
        qInfo("search parameters: %d, with expressions rewritten to ofType(): %d", parameters,
              rewritten);
        qInfo("expressions parsed: %lld (%d failed) in %.1f ms", qint64(expressions),
              int(failures.filter(u"parse "_s).size()), parseNs / 1e6);
        qInfo("evaluations: %d, %d with a non-empty result, %d failed", evaluations, nonEmpty,
              int(failures.size()));
        for (const QString &f : failures.mid(0, 20))
            qWarning().noquote() << f;
        QCOMPARE(parameters, 1378);
        QVERIFY(rewritten >= 60);
        QVERIFY(failures.isEmpty());
        QVERIFY(nonEmpty > evaluations / 2);
    }

    void constraints()
    {
        Environment env{m_model, {}, {}, {}, {}};
        int total = 0, failedParse = 0, failedEval = 0;
        QStringList failures;
        for (const char *file : {"profiles-resources.json", "profiles-types.json"}) {
            const json bundle = readDefinitions(file);
            QVERIFY(bundle.is_object());
            for (const json &entry : bundle["entry"]) {
                const json &sd = entry["resource"];
                if (sd.value("resourceType", std::string()) != "StructureDefinition"
                    || !sd.contains("snapshot"))
                    continue;
                const QString type = QString::fromStdString(sd.value("type", std::string()));
                for (const json &el : sd["snapshot"]["element"]) {
                    if (!el.contains("constraint"))
                        continue;
                    const QString path = QString::fromStdString(el.value("path", std::string()));
                    for (const json &c : el["constraint"]) {
                        const QString text
                            = QString::fromStdString(c.value("expression", std::string()));
                        if (text.isEmpty())
                            continue;
                        ++total;
                        auto e = Expression::parse(text);
                        if (!e) {
                            ++failedParse;
                            failures << u"parse %1: %2"_s.arg(text, e.error());
                            continue;
                        }
                        // The constraint's context: each node at its element, or the root.
                        const json &resource = instance(type);
                        Collection input;
                        if (!m_model->isResourceType(type)) {
                            // A data type: the rule's input is a typed node of it.
                            input = {typedNode(resource, type, env)};
                        }
                        if (path.contains(u'.')) {
                            input.clear();
                            auto at
                                = Expression::parse(path.chopped(path.endsWith("[x]"_L1) ? 3 : 0));
                            if (at) {
                                const Collection root = m_model->isResourceType(type)
                                    ? Collection{}
                                    : Collection{typedNode(resource, type, env)};
                                if (auto nodes = at->evaluate(root, resource, env))
                                    input = *nodes;
                            }
                            if (input.isEmpty())
                                continue; // the generated instance has no such element
                        }
                        auto r = e->evaluate(input, resource, env);
                        if (!r) {
                            ++failedEval;
                            failures << u"%1 %2 on %3: %4"_s.arg(
                                QString::fromStdString(c.value("key", std::string())), text, path,
                                r.error());
                        }
                    }
                }
            }
        }
        qInfo("constraint expressions: %d, %d do not parse, %d do not evaluate", total, failedParse,
              failedEval);
        for (const QString &f : failures.mid(0, 30))
            qInfo().noquote() << f;
        QVERIFY(total > 1000);
        QCOMPARE(failedParse, 0);
    }
};

QTEST_GUILESS_MAIN(TestFhirPathDefinitions)
#include "tst_fhirpath_definitions.moc"
