import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The items of one GSI2 work partition (`DUE#<kind>`, docs/data-model.md) whose due time (the sort key's
 * leading ISO time) is before `before`, oldest first: what every sweep reads, a page of at most `limit`.
 */
export async function dueItems(dynamo: DynamoDBDocumentClient, table: string, partition: string, before: string, limit: number): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamo.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK < :before',
      ExpressionAttributeValues: { ':pk': partition, ':before': before },
      Limit: limit,
    }),
  );
  return Items;
}
