#pragma once

#include "embedded_server/search/searchvalues.h"
#include "embedded_server/store.h"

#include "schemas/model.h"

#include <QPair>

#include <memory>
#include <optional>
#include <variant>

namespace fhir::server::search {

class Indexer;

using QueryItems = QList<QPair<QString, QString>>;
using SqlValue = std::variant<qint64, double, QString>;

/// The matching part of a search, compiled to SQL over the resource table `r` and the index
/// tables. Values are only ever bound: `values` go to the `?` of `where`, in order.
struct Criteria
{
    QString type; ///< empty for a search over several types
    QByteArray where;
    QList<SqlValue> values;
    int conditions = 0; ///< how many AND-ed conditions `where` has
    QueryItems kept; ///< the parameters used, for the self link
};

enum class Summary { False, True, Text, Data, Count };
enum class Total { Accurate, Estimate, None };

/// What to include with the matches: `_include` (forward) or `_revinclude` (reverse).
struct Include
{
    const void *param = nullptr; ///< the IndexedParam: a reference parameter of `sourceType`
    qint64 paramId = 0;
    QString sourceType; ///< the type holding the reference
    QString targetType; ///< empty: any target
    bool iterate = false; ///< `:iterate` (search.html#revinclude): also from included resources
};

/// The result parameters of a search (search.html, "Modifying Search Results").
struct ResultOptions
{
    qint64 count = 20;
    qint64 offset = 0;
    QByteArray orderBy; ///< SQL over `r`, never empty
    QList<SqlValue> orderValues;
    Total total = Total::Accurate;
    Summary summary = Summary::False;
    QStringList elements; ///< _elements: top-level element names; empty for all
    QList<Include> includes;
    QList<Include> revincludes;
    QueryItems kept; ///< the result parameters, for links (without _count and _offset)
    /// When set, a condition over `r` each _include and _revinclude result must meet as well
    /// (what the caller may read), with the values of its `?`.
    QByteArray includeAccess;
    QList<SqlValue> includeAccessValues;
};

struct SearchPage
{
    std::optional<qint64> total; ///< absent with _total=none
    QList<StoredVersion> matches;
    QList<StoredVersion> included; ///< from _include and _revinclude, each once
    bool more = false; ///< whether matches go on after this page
};

/// Limits a search must respect.
struct SearchLimits
{
    int defaultCount = 20;
    int maxCount = 1000;
};

/// Parses FHIR search parameters into SQL over the index (see Indexer) and runs it.
/// Parse errors are the client's (400); execution errors are the server's (500).
///
///     SearchEngine engine(model, store, indexer);
///     auto criteria = engine.criteria(u"Patient"_s, {{u"gender"_s, u"male"_s}}, false, baseUrl,
///     now); if (!criteria) return badRequest(criteria.error()); auto options =
///     engine.resultOptions(u"Patient"_s, params, limits); auto page = engine.run(*criteria,
///     *options);
class SearchEngine
{
public:
    SearchEngine(std::shared_ptr<const schema::Model> model, Store &store, Indexer &indexer);
    ~SearchEngine();
    SearchEngine(const SearchEngine &) = delete;
    SearchEngine &operator=(const SearchEngine &) = delete;

    /// Whether a parameter name is a result parameter (or _format, _pretty...), not criteria.
    static bool isResultParameter(const QString &name);

    /// The criteria of `params` (result parameters are skipped). Unknown parameters are
    /// ignored and left out of `kept`, or an error when `strict`. A bad value, prefix or
    /// modifier of a known parameter is always an error naming the parameter. `baseUrl` turns
    /// absolute references to this server into local ones; `nowMs` serves the `ap` prefix.
    Result<Criteria> criteria(const QString &type, const QueryItems &params, bool strict,
                              const QString &baseUrl, qint64 nowMs);
    /// The criteria of a search over several types (search.html, "Searching Multiple Resource
    /// Types"), every type when `types` is empty. A parameter must be one of every type
    /// searched: one that only some of them have is an error, or ignored when `lenient`; one
    /// that none has is ignored, or an error when `strict`. `_type` itself is skipped.
    Result<Criteria> criteria(const QStringList &types, const QueryItems &params, bool strict,
                              bool lenient, const QString &baseUrl, qint64 nowMs);
    /// The result parameters of `params`.
    Result<ResultOptions> resultOptions(const QString &type, const QueryItems &params,
                                        const SearchLimits &limits);
    /// The same for a search over several types (every type when empty): the default order is
    /// by type and id, and _sort takes _id and _lastUpdated.
    Result<ResultOptions> resultOptions(const QStringList &types, const QueryItems &params,
                                        const SearchLimits &limits);

    /// One page of matches, with the total and the included resources.
    Result<SearchPage> run(const Criteria &criteria, const ResultOptions &options);
    /// Up to `limit` current resources that match, in no particular order (conditional
    /// interactions ask for 2 to tell "one" from "many").
    Result<QList<StoredVersion>> matches(const Criteria &criteria, qint64 limit);

    /// What Patient/$everything keeps (patient-operation-everything.html); empty: all.
    struct EverythingFilter
    {
        std::optional<qint64> sinceMs; ///< _since: changed at or after it
        QStringList types; ///< _type
        /// start/end: care dates. A resource of a type the search parameter clinical-date
        /// covers is kept when one of its dates overlaps the range; others are not filtered.
        std::optional<DateRange> care;
        /// When set, a condition over `r` every resource answered must meet as well (what the
        /// caller may read), with the values of its `?`.
        QByteArray access;
        QList<SqlValue> accessValues;
    };

    /// The Patient and the resources of its compartment (CompartmentDefinition patient),
    /// ordered by type and id, as `filter` keeps them. An empty `patientId` means every
    /// Patient and the union of their compartments (type level), each resource once.
    Result<SearchPage> everything(const QString &patientId, const EverythingFilter &filter,
                                  qint64 count, qint64 offset);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::server::search
