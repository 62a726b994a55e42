#include "schemadescription.h"

namespace fhir::app {

using schema::ElementDefinition;
using schema::ElementNode;

QString elementFlags(const ElementDefinition &definition)
{
    QStringList flags;
    if (definition.isModifier)
        flags.append(QStringLiteral("?!"));
    if (definition.isSummary)
        flags.append(QStringLiteral("\u03a3"));
    if (definition.hasInvariants())
        flags.append(QStringLiteral("I"));
    if (definition.mustSupport)
        flags.append(QStringLiteral("S"));
    return flags.join(QLatin1Char(' '));
}

namespace {

QString nodeType(const ElementNode &node)
{
    return node.choiceType.isEmpty() ? node.definition->typeSummary() : node.choiceType;
}

QString padded(const QString &text, qsizetype width)
{
    return text.leftJustified(width, QLatin1Char(' '));
}

} // namespace

Result<QString> describeElement(const schema::Model &model, const QString &path)
{
    Result<ElementNode> node = model.element(path);
    if (!node)
        return Error{node.error()};
    Result<QList<ElementNode>> children = model.children(path);
    if (!children)
        return Error{children.error()};

    QString out;
    const ElementDefinition &def = *node->definition;
    if (def.isRoot()) {
        Result<const schema::TypeInfo *> type = model.type(path);
        out += path;
        if (type && !(*type)->category.area.isEmpty())
            out += QLatin1String(" (") + (*type)->category.area + QLatin1String(" > ")
                + (*type)->category.group + QLatin1Char(')');
        out += QLatin1Char('\n');
    } else {
        out += node->path + QLatin1String("  ") + def.cardinality() + QLatin1String("  ")
            + nodeType(*node);
        const QString flags = elementFlags(def);
        if (!flags.isEmpty())
            out += QLatin1String("  ") + flags;
        out += QLatin1Char('\n');
    }
    if (!def.shortText.isEmpty())
        out += QLatin1String("  ") + def.shortText + QLatin1Char('\n');
    if (def.binding) {
        out += QLatin1String("  binding: ") + schema::Binding::strengthName(def.binding->strength)
            + QLatin1Char(' ') + def.binding->valueSet;
        if (Result<const schema::ValueSet *> vs = model.valueSet(def.binding->valueSet);
            vs && (*vs)->complete && (*vs)->codes.size() <= 12) {
            QStringList codes;
            for (const schema::ValueSetCode &c : (*vs)->codes)
                codes.append(c.code);
            out += QLatin1String(" (") + codes.join(QLatin1String(" | ")) + QLatin1Char(')');
        }
        out += QLatin1Char('\n');
    }
    for (const schema::Constraint &c : def.constraints) {
        if (c.ownDefinition)
            out += QLatin1String("  ") + c.key + QLatin1String(": ") + c.human + QLatin1Char('\n');
    }
    QStringList searchedBy;
    for (const schema::SearchParameter *p : model.searchParametersFor(node->path))
        searchedBy.append(p->code);
    if (!searchedBy.isEmpty())
        out += QLatin1String("  search parameters: ") + searchedBy.join(QLatin1String(", "))
            + QLatin1Char('\n');

    if (!children->isEmpty()) {
        qsizetype nameWidth = 4;
        qsizetype typeWidth = 4;
        for (const ElementNode &child : *children) {
            nameWidth = std::max(nameWidth, child.path.size() - node->path.size() - 1);
            typeWidth = std::max(typeWidth, std::min<qsizetype>(nodeType(child).size(), 40));
        }
        out += QLatin1Char('\n');
        for (const ElementNode &child : *children) {
            const QString name = child.path.mid(node->path.size() + 1);
            out += QLatin1String("  ")
                + padded(name + (child.hasChildren ? QLatin1String("+") : QLatin1String(" ")),
                         nameWidth + 2)
                + padded(child.definition->cardinality(), 6)
                + padded(nodeType(child), typeWidth + 2)
                + padded(elementFlags(*child.definition), 8) + child.definition->shortText
                + QLatin1Char('\n');
        }
        out += QLatin1String("\n  (+ expands: fhir-portal schema ") + node->path
            + QLatin1String(".<name>)\n");
    }
    return out;
}

} // namespace fhir::app
