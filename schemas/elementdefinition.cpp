#include "elementdefinition.h"

namespace fhir::schema {

QStringList TypeRef::targetTypes() const
{
    QStringList out;
    for (const QString &profile : targetProfiles)
        out.append(profile.mid(profile.lastIndexOf(QLatin1Char('/')) + 1));
    return out;
}

QString Binding::strengthName(BindingStrength strength)
{
    switch (strength) {
    case BindingStrength::Required:
        return QStringLiteral("required");
    case BindingStrength::Extensible:
        return QStringLiteral("extensible");
    case BindingStrength::Preferred:
        return QStringLiteral("preferred");
    case BindingStrength::Example:
        return QStringLiteral("example");
    case BindingStrength::Unknown:
        break;
    }
    return QString();
}

QString FixedValue::text() const
{
    return QString::fromStdString(value.dump());
}

QString ElementDefinition::name() const
{
    return path.mid(path.lastIndexOf(QLatin1Char('.')) + 1);
}

QString ElementDefinition::cardinality() const
{
    return QString::number(min) + QLatin1String("..") + max;
}

bool ElementDefinition::hasInvariants() const
{
    if (!conditions.isEmpty())
        return true;
    for (const Constraint &c : constraints) {
        if (c.ownDefinition)
            return true;
    }
    return false;
}

QString ElementDefinition::typeSummary() const
{
    QStringList parts;
    for (const TypeRef &t : types) {
        QString text = t.code;
        const QStringList targets = t.targetTypes();
        if (!targets.isEmpty())
            text += QLatin1Char('(') + targets.join(QLatin1String(" | ")) + QLatin1Char(')');
        else if (!t.profiles.isEmpty())
            text = t.profiles.first().mid(t.profiles.first().lastIndexOf(QLatin1Char('/')) + 1);
        parts.append(text);
    }
    if (parts.isEmpty() && !contentReference.isEmpty())
        return QLatin1String("see ") + contentReference.mid(1);
    return parts.join(QLatin1String(" | "));
}

} // namespace fhir::schema
