import { z } from '@hono/zod-openapi';
import { languages, tenantStatuses, userKinds } from '@switchboard/db';
import { permissionNames, type Permission } from '../http/permissions.ts';
import { coded } from '../http/validators.ts';
import { publishedDemoPassword } from './passwords.ts';

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter a valid email address.' }).max(254))
  .openapi({ example: 'someone@example.com' });

export const NewPasswordSchema = z
  .string()
  .min(12, 'Use at least 12 characters.')
  .max(256, 'Use at most 256 characters.')
  .refine((p) => p !== publishedDemoPassword, coded('password.published', 'This password is published with the demo: choose another.'))
  .openapi({ example: 'a-long-passphrase-2026' });

export const LoginBodySchema = z
  .object({
    email: EmailSchema,
    password: z.string().min(1, 'Enter your password.').max(256),
  })
  .openapi('LoginBody', { example: { email: 'admin@switchboard.test', password: 'switchboard-demo' } });

export const ChangePasswordBodySchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.').max(256),
    newPassword: NewPasswordSchema,
  })
  .openapi('ChangePasswordBody', { example: { currentPassword: 'old-password-here', newPassword: 'a-new-long-passphrase' } });

export const MeUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    kind: z.enum(userKinds),
    mustChangePassword: z.boolean(),
    /** The interface language the person chose; null: follow the browser's. */
    language: z.enum(languages).nullable(),
  })
  .openapi('MeUser');

export const LanguageBodySchema = z
  .object({
    language: z.enum(languages, { message: `Choose one of ${languages.join(', ')}, or null for the browser's language.` }).nullable(),
  })
  .strict()
  .openapi('LanguageBody', { example: { language: 'fr' } });

export const ActableTenantSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(tenantStatuses),
    timeZone: z.string(),
  })
  .openapi('ActableTenant');

export const MeSchema = z
  .object({
    user: MeUserSchema,
    tenants: z.array(ActableTenantSchema),
    /** What the user may do by their own kind (api/src/http/permissions.ts); inside a client company a client user acts by their role there. */
    permissions: z.array(z.enum(permissionNames as [Permission, ...Permission[]])),
  })
  .openapi('Me');
