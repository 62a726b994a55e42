#pragma once

#include <QAbstractTableModel>

#include <QJsonValue>

namespace fhir::ui {

/// The token inspector: a JWT's header and claims, decoded (not verified: the server does
/// that), one row each, with what a claim means in words ("expires at 23:04, in 58 minutes").
/// Never the token itself nor its signature.
class TokenClaimsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { PartColumn, NameColumn, ValueColumn, MeaningColumn, ColumnCount };

    explicit TokenClaimsModel(QObject *parent = nullptr);

    /// Shows `token` as of `nowMs`; false (and nothing shown) when it is not a JWT, which
    /// some servers' opaque tokens are not.
    bool setToken(const QByteArray &token, qint64 nowMs);
    void clear();

    /// The value of claim `name`, or of header field `name` with `header`.
    QJsonValue claim(const QString &name, bool header = false) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        bool header = false;
        QString name;
        QJsonValue value;
        QString meaning;
    };
    QString meaningOf(const QString &name, const QJsonValue &value, bool header) const;

    QList<Row> m_rows;
    qint64 m_nowMs = 0;
};

} // namespace fhir::ui
