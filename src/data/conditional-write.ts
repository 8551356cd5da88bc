import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Sends a write whose condition pins what the caller decided on: false when the item changed meanwhile
 * (the caller re-reads or gives way), any other error thrown.
 */
export async function conditionalWrite(dynamo: DynamoDBDocumentClient, command: UpdateCommand | DeleteCommand | PutCommand): Promise<boolean> {
  try {
    await dynamo.send(command as UpdateCommand);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
