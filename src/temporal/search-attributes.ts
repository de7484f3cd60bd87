import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Herald's custom search attributes; registered on the dev server at start. */
export const TeamIdKey = defineSearchAttributeKey('TeamId', SearchAttributeType.KEYWORD);
export const WebhookIdKey = defineSearchAttributeKey('WebhookId', SearchAttributeType.KEYWORD);
export const EventTypeKey = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);
export const EventIdKey = defineSearchAttributeKey('EventId', SearchAttributeType.KEYWORD);
export const DeliveryStatusKey = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);
export const AttemptCountKey = defineSearchAttributeKey('AttemptCount', SearchAttributeType.INT);

/** name=Type pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = [
  'TeamId=Keyword',
  'WebhookId=Keyword',
  'EventType=Keyword',
  'EventId=Keyword',
  'DeliveryStatus=Keyword',
  'AttemptCount=Int',
] as const;
