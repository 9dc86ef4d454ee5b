#include "jobfiltersql.h"

using namespace Qt::StringLiterals;

JobFilterSql::JobFilterSql(const JobQuery& query)
{
    if (query.status) {
        conditions.append(u"status = ?"_s);
        values.append(QString(statusName(*query.status)));
    }
    if (!query.queue.isEmpty()) {
        conditions.append(u"queue = ?"_s);
        values.append(query.queue);
    }
    if (!query.type.isEmpty()) {
        conditions.append(u"type = ?"_s);
        values.append(query.type);
    }
    if (!query.errorCode.isEmpty()) {
        // The error column holds JobError::toJson() as text; the index jobs_error_code is on
        // exactly this expression.
        conditions.append(u"json_extract(error, '$.code') = ?"_s);
        values.append(query.errorCode);
    }
}

QString JobFilterSql::where() const
{
    return conditions.isEmpty() ? QString() : " WHERE "_L1 + conditions.join(" AND "_L1);
}
