#include "examplelibrary.h"

#include "schemas/examplegenerator.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace fhir::app {

namespace {

nlohmann::ordered_json ordered(const nlohmann::json &value, const QStringList &order = {})
{
    if (value.is_object()) {
        nlohmann::ordered_json out = nlohmann::ordered_json::object();
        if (const auto rt = value.find("resourceType"); rt != value.end())
            out["resourceType"] = *rt;
        std::vector<std::string> keys;
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (it.key() != "resourceType")
                keys.push_back(it.key());
        }
        // Elements in the spec's order where it is known (a choice by its base name).
        auto rank = [&order](const std::string &key) {
            const QString k = QString::fromStdString(key);
            for (qsizetype i = 0; i < order.size(); ++i) {
                if (order.at(i) == k
                    || (order.at(i).endsWith(QLatin1String("[x]"))
                        && k.startsWith(order.at(i).chopped(3))))
                    return i;
            }
            return order.size();
        };
        std::stable_sort(
            keys.begin(), keys.end(),
            [&rank](const std::string &a, const std::string &b) { return rank(a) < rank(b); });
        for (const std::string &key : keys)
            out[key] = ordered(value.at(key));
        return out;
    }
    if (value.is_array()) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const auto &item : value)
            out.push_back(ordered(item));
        return out;
    }
    return nlohmann::ordered_json(value);
}

QString describe(const QString &name, const nlohmann::json &resource)
{
    // The narrative says in a few words what the example is.
    QString text;
    if (const auto t = resource.find("text"); t != resource.end() && t->contains("div")) {
        text = QString::fromStdString((*t)["div"].get<std::string>());
        text.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    }
    return text.isEmpty() ? name : name + QStringLiteral(" — ") + text.trimmed();
}

} // namespace

QByteArray prettyResource(const nlohmann::json &resource, const schema::Model *model)
{
    QStringList order;
    if (model != nullptr && resource.contains("resourceType")
        && resource["resourceType"].is_string()) {
        const QString type = QString::fromStdString(resource["resourceType"].get<std::string>());
        if (const auto children = model->children(type); children) {
            for (const schema::ElementNode &child : *children)
                order.append(child.definition->name());
        }
    }
    return QByteArray::fromStdString(ordered(resource, order).dump(2)) + '\n';
}

ExampleLibrary::ExampleLibrary(std::shared_ptr<const schema::Model> model,
                               const QString &curatedDir)
    : m_model(std::move(model))
{
    const QDir dir(curatedDir);
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &file : files) {
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray bytes = f.readAll();
        const auto resource = nlohmann::json::parse(bytes.toStdString(), nullptr, false);
        if (resource.is_discarded() || !resource.contains("resourceType"))
            continue;
        const QString name = file.chopped(5);
        // Curated files keep the order their author gave the elements.
        const auto authored = nlohmann::ordered_json::parse(bytes.toStdString());
        m_curated.append({name, QString::fromStdString(resource["resourceType"].get<std::string>()),
                          describe(name, resource),
                          QByteArray::fromStdString(authored.dump(2)) + '\n', true});
    }
}

QList<Example> ExampleLibrary::examplesFor(const QString &resourceType) const
{
    QList<Example> out;
    if (!m_model || !m_model->isResourceType(resourceType))
        return out;
    for (const Example &e : m_curated) {
        if (e.resourceType == resourceType)
            out.append(e);
    }
    const schema::ExampleGenerator generator(m_model);
    if (const auto generated = generator.generate(resourceType); generated) {
        out.append({QStringLiteral("generated"), resourceType,
                    QStringLiteral("generated — the required and summary elements of %1, from "
                                   "the R4 definitions")
                        .arg(resourceType),
                    prettyResource(*generated, m_model.get()), false});
    }
    return out;
}

} // namespace fhir::app
