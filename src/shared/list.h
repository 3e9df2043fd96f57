/* SPDX-License-Identifier: MIT */
#pragma once

/* Intrusive doubly linked lists: the item type has `next` and `prev` pointers to itself,
 * the list is a head pointer. */

#define LIST_PREPEND(head, item)                                 \
        do {                                                     \
                typeof(item) _i_ = (item);                       \
                _i_->prev = NULL;                                \
                _i_->next = (head);                              \
                if (_i_->next)                                   \
                        _i_->next->prev = _i_;                   \
                (head) = _i_;                                    \
        } while (0)

#define LIST_REMOVE(head, item)                                  \
        do {                                                     \
                typeof(item) _i_ = (item);                       \
                if (_i_->prev)                                   \
                        _i_->prev->next = _i_->next;             \
                else                                             \
                        (head) = _i_->next;                      \
                if (_i_->next)                                   \
                        _i_->next->prev = _i_->prev;             \
                _i_->next = _i_->prev = NULL;                    \
        } while (0)
