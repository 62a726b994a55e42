#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace fhir::schema {

enum class SearchParamType {
    Number,
    Date,
    String,
    Token,
    Reference,
    Composite,
    Quantity,
    Uri,
    Special
};

QString searchParamTypeName(SearchParamType type);

/// One component of a composite search parameter.
struct SearchComponent
{
    QString definition; ///< canonical URL of the component's own SearchParameter
    QString expression; ///< FHIRPath relative to the composite's expression
    QString code; ///< the component's parameter code ("code", "value-quantity")
    SearchParamType type = SearchParamType::Token;
};

/// An element path a search parameter indexes, read from its FHIRPath expression.
struct SearchPath
{
    QString path; ///< "Observation.value", "Patient.name"
    QString typeHint; ///< "Quantity" for `(Observation.value as Quantity)`, else empty
};

/// A search parameter as the spec defines it (SearchParameter), with what applies to its type.
struct SearchParameter
{
    QString code; ///< what goes in the URL: "gender", "_id"
    QString name;
    QString url;
    SearchParamType type = SearchParamType::Token;
    QString description;
    QString expression; ///< FHIRPath over all its base types, joined by '|'
    QStringList base; ///< resource types it applies to
    QStringList targets; ///< for references: target resource types
    QStringList modifiers; ///< modifiers valid for it (":exact", ":not"... without the colon)
    QStringList comparators; ///< prefixes valid for it ("eq", "gt"...); empty if none
    QStringList chains; ///< explicit chain names, when the definition lists them
    bool multipleOr = true;
    bool multipleAnd = true;
    QList<SearchComponent> components;

    /// The part of the expression that applies to one resource type: shared parameters such as
    /// `patient` list every base type in one union.
    QString expressionFor(const QString &resourceType) const;
    /// The element paths the expression reaches for one resource type, in either spelling of
    /// a type filter: `(X as T)`, `X.as(T)` and `X.ofType(T)` give the same answer.
    QList<SearchPath> pathsFor(const QString &resourceType) const;
};

/// The modifiers the R4 search specification allows for a parameter type (search.html,
/// "Modifiers"); a reference parameter also accepts each target type as a modifier.
QStringList modifiersForType(SearchParamType type);
/// The value prefixes of R4 search (eq ne gt lt ge le sa eb ap): number, date and quantity only.
QStringList comparatorsForType(SearchParamType type);

/// Splits a FHIRPath union at its top level ('|' outside parentheses and strings).
QStringList splitUnion(const QString &expression);
/// Reads the element path out of one branch of a search expression.
SearchPath searchPathOf(const QString &branch);

} // namespace fhir::schema
