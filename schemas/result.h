#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace fhir {

/// An error as a value: what went wrong, in words a developer can act on.
struct Error
{
    QString message;
};

/// Either a value or an Error. Libraries return this instead of throwing, so no exception
/// crosses a library's edge.
///
///     Result<const TypeInfo *> type = model.type(u"Patient"_s);
///     if (!type)
///         qWarning() << type.error();
template<typename T> class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_value(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_value(std::in_place_index<1>, std::move(error))
    {
    }

    bool hasValue() const { return m_value.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    const T &value() const & { return std::get<0>(m_value); }
    T &value() & { return std::get<0>(m_value); }
    T &&value() && { return std::get<0>(std::move(m_value)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }

    /// The error's message; empty when there is a value.
    QString error() const { return hasValue() ? QString() : std::get<1>(m_value).message; }

private:
    std::variant<T, Error> m_value;
};

} // namespace fhir
