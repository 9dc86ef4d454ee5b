#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

// Header fields in the order they came or go: name as spelled, value without surrounding blanks.
using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;
